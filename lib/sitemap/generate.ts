import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Pool } from "../db/pool.ts";
import type { Logger } from "../log.ts";
import {
  type SitemapFile,
  SitemapFileBuilder,
  type SitemapFileLimits,
} from "./file-builder.ts";
import { maxSitemapsPerIndex, maxUrlLength } from "./limits.ts";
import { readPostPages } from "./posts.ts";
import { deleteStaleSitemaps, type StaleSitemapOutcome } from "./stale.ts";
import {
  normalizeUrl,
  type SitemapReference,
  sitemapIndexDocument,
  urlElement,
} from "./xml.ts";

/** Key prefix of everything the sitemap cron writes. */
export const sitemapPrefix = "sitemaps/";
export const sitemapIndexKey = `${sitemapPrefix}sitemap-index.xml`;

/** Key of the n-th sitemap file, counting from 1. */
export function sitemapKey(n: number): string {
  return `${sitemapPrefix}sitemap-${n}.xml`;
}

const postPageSize = 10_000;

export interface SitemapDeps {
  pool: Pool;
  s3: S3Client;
  bucket: string;
  /** Post URLs are `<frontendHost>/posts/<id>`. */
  frontendHost: string;
  /** The index lists files as `<publicBaseUrl>/sitemaps/sitemap-<n>.xml`. */
  publicBaseUrl: string;
  logger: Logger;
}

export interface SitemapOutcome extends StaleSitemapOutcome {
  posts: number;
  files: number;
  /** Posts left out because their URL is longer than 2,048 characters. */
  urlsTooLong: number;
}

/**
 * Writes the sitemap files of every post, then the index, then deletes
 * sitemap files numbered above the new count. The index is written after
 * the files it lists and before stale files go, so it never lists a
 * missing file.
 */
export async function generateSitemaps(
  deps: SitemapDeps,
  limits?: SitemapFileLimits,
): Promise<SitemapOutcome> {
  const builder = new SitemapFileBuilder(limits);
  const written: SitemapReference[] = [];
  let posts = 0;
  let urlsTooLong = 0;

  const upload = async (file: SitemapFile | undefined) => {
    if (file === undefined) return;
    const n = written.length + 1;
    if (n > maxSitemapsPerIndex) {
      throw new Error(
        `posts need more than ${maxSitemapsPerIndex} sitemap files, the most one index may list`,
      );
    }
    await putXml(deps, sitemapKey(n), file.body);
    written.push({
      loc: publicUrl(deps, sitemapKey(n)),
      lastmod: file.lastmod,
    });
    deps.logger.debug(
      { key: sitemapKey(n), urls: file.urlCount },
      "sitemap written",
    );
  };

  for await (const page of readPostPages(deps.pool, postPageSize)) {
    for (const post of page) {
      const loc = normalizeUrl(
        `${deps.frontendHost}/posts/${encodeURIComponent(post.id)}`,
      );
      if (loc.length > maxUrlLength) {
        urlsTooLong += 1;
        continue;
      }
      posts += 1;
      await upload(
        builder.add(urlElement(loc, post.updatedAt), post.updatedAt),
      );
    }
  }
  await upload(builder.finish());

  if (urlsTooLong > 0) {
    deps.logger.warn(
      { urlsTooLong, maxUrlLength },
      "posts left out: URL too long",
    );
  }
  await putXml(
    deps,
    sitemapIndexKey,
    Buffer.from(sitemapIndexDocument(written)),
  );

  const stale = await deleteStaleSitemaps(deps, written.length);
  return { posts, files: written.length, urlsTooLong, ...stale };
}

function publicUrl(deps: SitemapDeps, key: string): string {
  return `${deps.publicBaseUrl}/${key}`;
}

async function putXml(deps: SitemapDeps, key: string, body: Buffer) {
  await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.bucket,
      Key: key,
      Body: body,
      ContentType: "application/xml",
    }),
  );
}
