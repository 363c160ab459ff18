import type { EnvReader } from "./env-reader.ts";

/** An S3-compatible object store: AWS S3, Cloudflare R2, SeaweedFS, s3rver. */
export interface ObjectStoreConfig {
  /** Unset for AWS S3; the R2 or local endpoint otherwise. */
  endpoint?: string;
  /** [us-east-1]; R2 takes `auto`. */
  region: string;
  /** Path-style URLs, needed by most self-hosted stores [false]. */
  forcePathStyle: boolean;
  /**
   * Unset to use the default AWS credential chain (a Lambda's role); only
   * allowed without an endpoint.
   */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function readObjectStoreConfig(env: EnvReader): ObjectStoreConfig {
  const accessKeyId = env.optional("STORAGE_ACCESS_KEY_ID");
  const secretAccessKey = env.optional("STORAGE_SECRET_ACCESS_KEY");
  const endpoint = env.optional("STORAGE_ENDPOINT");
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    env.reject(
      "STORAGE_ACCESS_KEY_ID and STORAGE_SECRET_ACCESS_KEY must be set together",
    );
  } else if (endpoint !== undefined && accessKeyId === undefined) {
    // Without keys the SDK walks the AWS credential chain, which may query
    // the EC2 instance metadata address, and R2 or s3rver accept none of
    // what it finds. AWS S3 (no endpoint) keeps the chain: a Lambda's role.
    env.reject(
      `STORAGE_ACCESS_KEY_ID and STORAGE_SECRET_ACCESS_KEY are missing; ` +
        `they are required when STORAGE_ENDPOINT is set (${endpoint}), ` +
        "for example S3RVER and S3RVER for a local s3rver",
    );
  }

  return {
    endpoint,
    region: env.string("STORAGE_REGION", "us-east-1"),
    forcePathStyle: env.boolean("STORAGE_FORCE_PATH_STYLE", false),
    credentials:
      accessKeyId !== undefined && secretAccessKey !== undefined
        ? { accessKeyId, secretAccessKey }
        : undefined,
  };
}

/** The bucket with post content, and the key prefixes jobs may delete. */
export interface ContentBucketConfig {
  store: ObjectStoreConfig;
  bucket: string;
  /** Keys outside these prefixes are never deleted [posts/]. */
  allowedPrefixes: string[];
}

export function readContentBucketConfig(env: EnvReader): ContentBucketConfig {
  const allowedPrefixes = env.list("CONTENT_ALLOWED_PREFIXES", ["posts/"]);
  for (const prefix of allowedPrefixes) {
    if (
      prefix.startsWith("/") ||
      prefix.includes("..") ||
      !prefix.endsWith("/")
    ) {
      env.reject(
        `CONTENT_ALLOWED_PREFIXES entry "${prefix}" must end with "/" and contain no leading "/" or ".."`,
      );
    }
  }

  return {
    store: readObjectStoreConfig(env),
    bucket: env.required("CONTENT_BUCKET"),
    allowedPrefixes,
  };
}
