import type { EnvReader } from "./env-reader.ts";

/** Upstash Redis, reached over its REST API (a local proxy in dev and tests). */
export interface RedisConfig {
  /** `UPSTASH_REDIS_REST_URL`, required. */
  url: string;
  /** `UPSTASH_REDIS_REST_TOKEN`, required. */
  token: string;
}

export function readRedisConfig(env: EnvReader): RedisConfig {
  return {
    url: env.required("UPSTASH_REDIS_REST_URL"),
    token: env.required("UPSTASH_REDIS_REST_TOKEN"),
  };
}
