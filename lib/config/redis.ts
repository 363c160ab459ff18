import type { EnvReader } from "./env-reader.ts";

/** Upstash Redis, reached over its REST API (a local proxy in dev and tests). */
export interface RedisConfig {
  /** `UPSTASH_REDIS_REST_URL`, required. */
  url: string;
  /** `UPSTASH_REDIS_REST_TOKEN`, required. */
  token: string;
}

// The base URLs `new Redis()` of @upstash/redis 1.39 accepts, after it drops
// one trailing slash. Checking here reports a bad URL with the other
// settings, even where the client is created only on first use.
const restUrlPattern = /^https?:\/\/[^\s#$./?].\S*$/;

export function readRedisConfig(env: EnvReader): RedisConfig {
  const url = env.required("UPSTASH_REDIS_REST_URL");
  if (url !== "" && !restUrlPattern.test(url.replace(/\/$/, ""))) {
    env.reject(
      `UPSTASH_REDIS_REST_URL must be an http(s) URL such as https://example.upstash.io, got "${url}"`,
    );
  }

  return { url, token: env.required("UPSTASH_REDIS_REST_TOKEN") };
}
