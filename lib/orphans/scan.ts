import type { S3Client } from "@aws-sdk/client-s3";
import type { Pool } from "../db/pool.ts";
import type { Logger } from "../log.ts";
import {
  type DeleteFailure,
  deleteObjects,
} from "../storage/delete-objects.ts";
import { rejectKeyReason } from "../storage/key-policy.ts";
import { type ListedObject, listObjectPages } from "../storage/list-objects.ts";
import { DeleteShareExceededError, sharePercent } from "./errors.ts";
import { findReferencedKeys } from "./referenced-keys.ts";

export interface OrphanScanDeps {
  pool: Pool;
  s3: S3Client;
  bucket: string;
  logger: Logger;
}

export interface OrphanScanOptions {
  /** Only keys under these prefixes are scanned. */
  allowedPrefixes: readonly string[];
  /** Objects modified less than this long before `now` are kept. */
  minAgeMs: number;
  dryRun: boolean;
  /** Largest share of the scanned objects one run may delete, 0-100. */
  maxDeletePercent: number;
  now: Date;
}

export interface OrphanScanOutcome {
  scanned: number;
  tooYoung: number;
  /** Keys under an allowed prefix that the key policy rejects (`..`). */
  rejectedKeys: number;
  referenced: number;
  orphans: number;
  deleted: number;
  deleteFailures: DeleteFailure[];
}

/** Keys listed in the log and the result when a dry run reports. */
const sampleSize = 20;

/**
 * Finds the objects of the content bucket that no post references and that
 * are older than the minimum age, then deletes them in requests of at most
 * 1,000 keys. Deletes nothing when the orphans are more than
 * `maxDeletePercent` of the scanned objects, and throws
 * `DeleteShareExceededError` with the figures; a dry run only reports.
 */
export async function scanOrphans(
  deps: OrphanScanDeps,
  options: OrphanScanOptions,
): Promise<OrphanScanOutcome> {
  const { orphanKeys, outcome } = await findOrphans(deps, options);

  const figures = {
    scanned: outcome.scanned,
    orphans: orphanKeys.length,
    maxDeletePercent: options.maxDeletePercent,
  };
  const overLimit =
    orphanKeys.length * 100 > outcome.scanned * options.maxDeletePercent;

  if (options.dryRun) {
    deps.logger.info(
      {
        ...figures,
        sharePercent: sharePercent(figures.orphans, figures.scanned),
        overLimit,
        sampleKeys: orphanKeys.slice(0, sampleSize),
      },
      "orphan scan dry run: nothing deleted",
    );
    return outcome;
  }
  if (overLimit) throw new DeleteShareExceededError(figures);

  const failures = await deleteObjects(deps.s3, deps.bucket, orphanKeys);
  for (const failure of failures) {
    deps.logger.error({ ...failure }, "orphan delete failed");
  }
  return {
    ...outcome,
    deleted: orphanKeys.length - failures.length,
    deleteFailures: failures,
  };
}

/** Lists every allowed prefix page by page; one database query per page. */
async function findOrphans(deps: OrphanScanDeps, options: OrphanScanOptions) {
  const outcome: OrphanScanOutcome = {
    scanned: 0,
    tooYoung: 0,
    rejectedKeys: 0,
    referenced: 0,
    orphans: 0,
    deleted: 0,
    deleteFailures: [],
  };
  const orphanKeys: string[] = [];
  const cutoff = options.now.getTime() - options.minAgeMs;

  for (const prefix of options.allowedPrefixes) {
    for await (const page of listObjectPages(deps.s3, deps.bucket, prefix)) {
      outcome.scanned += page.length;
      const candidates = page.filter((object) => {
        if (!isOldEnough(object, cutoff)) {
          outcome.tooYoung += 1;
          return false;
        }
        if (rejectKeyReason(object.key, options.allowedPrefixes)) {
          outcome.rejectedKeys += 1;
          return false;
        }
        return true;
      });

      const keys = candidates.map((object) => object.key);
      const referenced = await findReferencedKeys(deps.pool, keys);
      outcome.referenced += referenced.size;
      for (const key of keys) {
        if (!referenced.has(key)) orphanKeys.push(key);
      }
    }
  }

  outcome.orphans = orphanKeys.length;
  return { orphanKeys, outcome };
}

function isOldEnough(object: ListedObject, cutoff: number): boolean {
  return object.lastModified.getTime() < cutoff;
}
