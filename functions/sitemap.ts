import { cronClientTimeouts } from "../lib/client-timeouts.ts";
import type { EnvSource } from "../lib/config/env-reader.ts";
import { readSitemapConfig } from "../lib/config/sitemap.ts";
import {
  type CronHandler,
  createCronHandler,
} from "../lib/cron/cron-handler.ts";
import { readDatabaseConfig } from "../lib/db/config.ts";
import { createDatabasePool } from "../lib/db/pool.ts";
import type { Logger } from "../lib/log.ts";
import { protocolLimits } from "../lib/sitemap/file-builder.ts";
import { generateSitemaps } from "../lib/sitemap/generate.ts";
import { createS3Client } from "../lib/storage/s3-client.ts";

export function createHandler(
  source: EnvSource = process.env,
  logger?: Logger,
): CronHandler {
  return createCronHandler({
    logger,
    cron: "sitemap",
    source,
    setup: (env, logger) => {
      const config = readSitemapConfig(env);
      const database = readDatabaseConfig(env);
      const s3 = createS3Client(config.store, cronClientTimeouts);

      return async (runLogger) => {
        const pool = createDatabasePool(database, logger);
        try {
          const outcome = await generateSitemaps(
            {
              pool,
              s3,
              bucket: config.bucket,
              frontendHost: config.frontendHost,
              publicBaseUrl: config.publicBaseUrl,
              logger: runLogger,
            },
            { ...protocolLimits, maxUrls: config.urlsPerFile },
          );
          return { counts: { ...outcome } };
        } finally {
          await pool.end();
        }
      };
    },
  });
}

export const handler = createHandler();
