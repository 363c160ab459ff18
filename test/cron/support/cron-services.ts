import { randomBytes } from "node:crypto";
import { Redis as IORedis } from "ioredis";
import {
  startUpstashRestServer,
  type UpstashRestServer,
} from "../../../lib/local/upstash-rest.ts";
import {
  createTestDatabase,
  type TestDatabase,
} from "../../support/database.ts";
import { sharedRedisUrl } from "../../support/redis.ts";

/**
 * A fresh database, the machine's Redis behind a REST proxy of this test
 * file, and a key prefix no other test uses.
 */
export interface CronServices {
  database: TestDatabase;
  /** A direct Redis connection for arranging and checking keys. */
  redis: IORedis;
  /** Every Redis key of this test file starts with it. */
  keyPrefix: string;
  /** Variables a cron function needs for the lock and the database. */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

export async function startCronServices(): Promise<CronServices> {
  const token = `test-${randomBytes(8).toString("hex")}`;
  const keyPrefix = `test:${randomBytes(4).toString("hex")}:`;
  const rest: UpstashRestServer = await startUpstashRestServer({
    redisUrl: sharedRedisUrl,
    token,
  });
  const database = await createTestDatabase();
  const redis = new IORedis(sharedRedisUrl);

  const env = {
    ...database.env,
    UPSTASH_REDIS_REST_URL: rest.url,
    UPSTASH_REDIS_REST_TOKEN: token,
    CRON_LOCK_KEY_PREFIX: `${keyPrefix}cron-lock:`,
  };

  const dispose = async () => {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    await rest.stop();
    await database.dispose();
  };
  return { database, redis, keyPrefix, env, dispose };
}
