import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { envValue } from "../config/env-reader.ts";
import { createLogger } from "../log.ts";
import { isPortOpen } from "./free-port.ts";
import { RedisServer } from "./redis-server.ts";
import {
  pickSet,
  redactUrl,
  reusedService,
  type ServiceStarter,
} from "./stack.ts";
import { startUpstashRestServer } from "./upstash-rest.ts";

/** Redis URL `npm run dev` tries when `REDIS_URL` is unset. */
export const defaultRedisUrl = "redis://127.0.0.1:6379";

/**
 * Redis behind an Upstash-compatible REST endpoint, unless
 * `UPSTASH_REDIS_REST_URL` is set. Uses the Redis at `REDIS_URL` (an error
 * when it is set but does not accept connections), else the one at
 * 127.0.0.1:6379, else starts a redis-server of its own. Exports
 * `UPSTASH_REDIS_REST_URL`, `UPSTASH_REDIS_REST_TOKEN` and `REDIS_URL`.
 */
export const startRedis: ServiceStarter = async ({
  env,
  dataDir,
  children,
}) => {
  const restUrl = envValue(env, "UPSTASH_REDIS_REST_URL");
  if (restUrl !== undefined) {
    return reusedService(
      "redis-rest",
      restUrl,
      pickSet(env, ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"]),
    );
  }

  const givenRedisUrl = envValue(env, "REDIS_URL");
  const redisUrl = givenRedisUrl ?? defaultRedisUrl;
  let ownRedis: RedisServer | undefined;
  if (!(await redisAnswers(redisUrl))) {
    if (givenRedisUrl !== undefined) {
      throw new Error(
        `REDIS_URL ${redisUrl} does not accept connections; start Redis there or unset REDIS_URL`,
      );
    }
    ownRedis = await RedisServer.start({
      directory: join(dataDir, "redis"),
      children,
    });
  }

  const token =
    envValue(env, "UPSTASH_REDIS_REST_TOKEN") ??
    `local-${randomBytes(16).toString("hex")}`;
  const upstreamUrl = ownRedis?.url ?? redisUrl;
  const rest = await startUpstashRestServer({
    redisUrl: upstreamUrl,
    token,
    logger: createLogger("redis-rest"),
  }).catch(async (error: unknown) => {
    await ownRedis?.stop();
    throw error;
  });

  // The line names the Redis the REST endpoint fronts; the endpoint itself
  // is always started here. The token goes to the env file, never a log.
  return {
    name: "redis",
    url: redactUrl(upstreamUrl),
    reused: ownRedis === undefined,
    details: { restUrl: rest.url },
    env: {
      REDIS_URL: upstreamUrl,
      UPSTASH_REDIS_REST_URL: rest.url,
      UPSTASH_REDIS_REST_TOKEN: token,
    },
    stop: async () => {
      await rest.stop();
      await ownRedis?.stop();
    },
  };
};

async function redisAnswers(redisUrl: string): Promise<boolean> {
  const { hostname, port } = new URL(redisUrl);
  return isPortOpen(Number(port || 6379), hostname || "127.0.0.1");
}
