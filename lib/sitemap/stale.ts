import type { S3Client } from "@aws-sdk/client-s3";
import type { Logger } from "../log.ts";
import { deleteObjects } from "../storage/delete-objects.ts";
import { listObjectPages } from "../storage/list-objects.ts";

const numberedSitemapKey = /^sitemaps\/sitemap-(\d+)\.xml$/;

export interface StaleSitemapOutcome {
  /** Sitemap files numbered above the new count that were deleted. */
  staleDeleted: number;
  /** Stale files the store failed to delete; the next run tries again. */
  staleDeleteFailures: number;
}

interface StaleSitemapDeps {
  s3: S3Client;
  bucket: string;
  logger: Logger;
}

/**
 * Deletes `sitemaps/sitemap-<n>.xml` for every n above `fileCount`, reading
 * every page of the listing so a leftover past the first 1,000 keys is
 * found too. The index and other keys are left alone.
 */
export async function deleteStaleSitemaps(
  deps: StaleSitemapDeps,
  fileCount: number,
): Promise<StaleSitemapOutcome> {
  const stale: string[] = [];
  for await (const page of listObjectPages(
    deps.s3,
    deps.bucket,
    "sitemaps/sitemap-",
  )) {
    for (const { key } of page) {
      const match = numberedSitemapKey.exec(key);
      if (match !== null && Number(match[1]) > fileCount) stale.push(key);
    }
  }
  if (stale.length === 0) return { staleDeleted: 0, staleDeleteFailures: 0 };

  const failures = await deleteObjects(deps.s3, deps.bucket, stale);
  for (const failure of failures) {
    deps.logger.error({ ...failure }, "stale sitemap delete failed");
  }
  return {
    staleDeleted: stale.length - failures.length,
    staleDeleteFailures: failures.length,
  };
}
