import { cronClientTimeouts } from "../lib/client-timeouts.ts";
import type { EnvSource } from "../lib/config/env-reader.ts";
import { readOrphanScanConfig } from "../lib/config/orphan-scan.ts";
import {
  type CronHandler,
  createCronHandler,
} from "../lib/cron/cron-handler.ts";
import { readDatabaseConfig } from "../lib/db/config.ts";
import { createDatabasePool } from "../lib/db/pool.ts";
import type { Logger } from "../lib/log.ts";
import { scanOrphans } from "../lib/orphans/scan.ts";
import { createS3Client } from "../lib/storage/s3-client.ts";

export function createHandler(
  source: EnvSource = process.env,
  logger?: Logger,
): CronHandler {
  return createCronHandler({
    logger,
    cron: "orphan-scan",
    source,
    setup: (env, logger) => {
      const config = readOrphanScanConfig(env);
      const database = readDatabaseConfig(env);
      const s3 = createS3Client(config.content.store, cronClientTimeouts);

      return async (runLogger) => {
        const pool = createDatabasePool(database, logger);
        try {
          const outcome = await scanOrphans(
            { pool, s3, bucket: config.content.bucket, logger: runLogger },
            {
              allowedPrefixes: config.content.allowedPrefixes,
              minAgeMs: config.minAgeMs,
              dryRun: config.dryRun,
              maxDeletePercent: config.maxDeletePercent,
              now: new Date(),
            },
          );
          const { deleteFailures, ...counts } = outcome;
          return {
            counts: {
              ...counts,
              deleteFailures: deleteFailures.length,
            },
            details: {
              dryRun: config.dryRun,
              failedKeys: deleteFailures.map((failure) => failure.key),
            },
          };
        } finally {
          await pool.end();
        }
      };
    },
  });
}

export const handler = createHandler();
