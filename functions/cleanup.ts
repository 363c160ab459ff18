import { deleteExpiredTokens } from "../lib/cleanup/expired-tokens.ts";
import { pruneSessionIndexes } from "../lib/cleanup/session-indexes.ts";
import { readCleanupConfig } from "../lib/config/cron.ts";
import type { EnvSource } from "../lib/config/env-reader.ts";
import { readRedisConfig } from "../lib/config/redis.ts";
import {
  type CronHandler,
  createCronHandler,
} from "../lib/cron/cron-handler.ts";
import { readDatabaseConfig } from "../lib/db/config.ts";
import { createDatabasePool } from "../lib/db/pool.ts";
import type { Logger } from "../lib/log.ts";
import { createRedisClient } from "../lib/redis/client.ts";

export function createHandler(
  source: EnvSource = process.env,
  logger?: Logger,
): CronHandler {
  return createCronHandler({
    logger,
    cron: "cleanup",
    source,
    setup: (env, logger) => {
      const config = readCleanupConfig(env);
      const database = readDatabaseConfig(env);
      const redisConfig = readRedisConfig(env);

      return async (runLogger) => {
        const pool = createDatabasePool(database, logger);
        const redis = createRedisClient(redisConfig);
        try {
          const tokens = await deleteExpiredTokens(pool, config.tokenBatchSize);
          runLogger.info({ ...tokens }, "expired auth tokens deleted");

          const sessions = await pruneSessionIndexes(redis, {
            keyPrefix: config.sessionIndexKeyPrefix,
            now: new Date(),
            scanCount: config.scanCount,
          });
          runLogger.info({ ...sessions }, "session indexes pruned");

          return {
            counts: {
              tokensDeleted: tokens.deleted,
              tokenStatements: tokens.statements,
              largestTokenStatement: tokens.largestStatement,
              ...sessions,
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
