import type { LinkedVariables } from "./links.ts";
import { type Secrets, secret } from "./secrets.ts";
import type { DeploySettings } from "./settings.ts";

/**
 * One linkable per way a function uses the buckets. Each carries the
 * storage variables the code reads and, on S3, an IAM policy for exactly
 * that use. On R2 the access keys take the place of IAM.
 */
export interface StorageAccess {
  /** Reads post content: index-post, reindex-posts. */
  contentRead: sst.Linkable<LinkedVariables>;
  /** Deletes content under the allowed prefixes: delete-content. */
  contentDelete: sst.Linkable<LinkedVariables>;
  /** Lists and deletes under the allowed prefixes: orphan-scan. */
  contentScan: sst.Linkable<LinkedVariables>;
  /** Writes and prunes `sitemaps/` in the public bucket: sitemap. */
  publicWrite: sst.Linkable<LinkedVariables>;
}

/** The key prefix the sitemap cron writes under. */
export const sitemapPrefix = "sitemaps/";

interface BucketRef {
  name: $util.Input<string>;
  arn: $util.Input<string>;
}

/** Creates or references the buckets and the linkables that reach them. */
export function createStorage(
  settings: DeploySettings,
  secrets: Secrets,
): StorageAccess {
  const { storage } = settings;
  if (storage.provider === "r2") return r2Access(settings, secrets);

  const content = s3Bucket("ContentBucket", storage.contentBucket, "private");
  const publicBucket = s3Bucket("PublicBucket", storage.publicBucket, "public");
  const contentVariables: LinkedVariables = {
    CONTENT_BUCKET: content.name,
    CONTENT_ALLOWED_PREFIXES: storage.allowedPrefixes.join(","),
    STORAGE_REGION: settings.region,
  };
  const deletable = storage.allowedPrefixes.map(
    (prefix) => $interpolate`${content.arn}/${prefix}*`,
  );

  return {
    contentRead: new sst.Linkable("ContentBucketRead", {
      properties: contentVariables,
      include: [
        sst.aws.permission({
          actions: ["s3:GetObject"],
          resources: [$interpolate`${content.arn}/*`],
        }),
      ],
    }),
    contentDelete: new sst.Linkable("ContentBucketDelete", {
      properties: contentVariables,
      include: [
        sst.aws.permission({
          actions: ["s3:DeleteObject"],
          resources: deletable,
        }),
      ],
    }),
    contentScan: new sst.Linkable("ContentBucketScan", {
      properties: contentVariables,
      include: [
        sst.aws.permission({
          actions: ["s3:ListBucket"],
          resources: [content.arn],
          conditions: [
            {
              test: "StringLike",
              variable: "s3:prefix",
              values: storage.allowedPrefixes.map((prefix) => `${prefix}*`),
            },
          ],
        }),
        sst.aws.permission({
          actions: ["s3:DeleteObject"],
          resources: deletable,
        }),
      ],
    }),
    publicWrite: new sst.Linkable("PublicBucketWrite", {
      properties: {
        PUBLIC_BUCKET: publicBucket.name,
        STORAGE_REGION: settings.region,
      } satisfies LinkedVariables,
      include: [
        sst.aws.permission({
          actions: ["s3:PutObject", "s3:DeleteObject"],
          resources: [$interpolate`${publicBucket.arn}/${sitemapPrefix}*`],
        }),
        sst.aws.permission({
          actions: ["s3:ListBucket"],
          resources: [publicBucket.arn],
          conditions: [
            {
              test: "StringLike",
              variable: "s3:prefix",
              values: [`${sitemapPrefix}*`],
            },
          ],
        }),
      ],
    }),
  };
}

/**
 * References a bucket that exists already (named in the settings), so a
 * deploy never owns or removes it. Otherwise SST creates one for the stage.
 */
function s3Bucket(
  component: string,
  existingName: string | undefined,
  access: "private" | "public",
): BucketRef {
  if (existingName !== undefined) {
    return sst.aws.Bucket.get(component, existingName);
  }
  return new sst.aws.Bucket(
    component,
    access === "public" ? { access: "public" } : {},
  );
}

/** R2: the endpoint and access keys, the same in every linkable. */
function r2Access(settings: DeploySettings, secrets: Secrets): StorageAccess {
  const { storage } = settings;
  const store: LinkedVariables = {
    STORAGE_ENDPOINT: storage.endpoint ?? "",
    STORAGE_REGION: "auto",
    STORAGE_ACCESS_KEY_ID: secret(secrets, "StorageAccessKeyId").value,
    STORAGE_SECRET_ACCESS_KEY: secret(secrets, "StorageSecretAccessKey").value,
  };
  const content: LinkedVariables = {
    ...store,
    CONTENT_BUCKET: storage.contentBucket ?? "",
    CONTENT_ALLOWED_PREFIXES: storage.allowedPrefixes.join(","),
  };

  return {
    contentRead: new sst.Linkable("ContentBucketRead", { properties: content }),
    contentDelete: new sst.Linkable("ContentBucketDelete", {
      properties: content,
    }),
    contentScan: new sst.Linkable("ContentBucketScan", { properties: content }),
    publicWrite: new sst.Linkable("PublicBucketWrite", {
      properties: {
        ...store,
        PUBLIC_BUCKET: storage.publicBucket ?? "",
      } satisfies LinkedVariables,
    }),
  };
}
