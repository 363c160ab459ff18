import type { EnvReader } from "../config/env-reader.ts";

/** Connection settings for Meilisearch. Defaults in brackets. */
export interface SearchConfig {
  /** `MEILISEARCH_HOST`, such as `http://127.0.0.1:7700` (required). */
  host: string;
  /** `MEILISEARCH_API_KEY` [unset: no key sent]. */
  apiKey?: string;
  /** `MEILISEARCH_POSTS_INDEX`, the live posts index [posts]. */
  postsIndex: string;
  /** `MEILISEARCH_USERS_INDEX`, the live users index [users]. */
  usersIndex: string;
  /**
   * `MEILISEARCH_TASK_TIMEOUT_MS`, how long a function waits for one task
   * [15000]; below the 20 s function timeout so the failure is reported.
   */
  taskTimeoutMs: number;
}

const indexUidPattern = /^[A-Za-z0-9_-]{1,64}$/;

export function readSearchConfig(env: EnvReader): SearchConfig {
  const host = env.required("MEILISEARCH_HOST");
  if (host !== "" && !/^https?:\/\//.test(host)) {
    env.reject(`MEILISEARCH_HOST must start with http:// or https://`);
  }

  const config: SearchConfig = {
    host,
    apiKey: env.optional("MEILISEARCH_API_KEY"),
    postsIndex: env.string("MEILISEARCH_POSTS_INDEX", "posts"),
    usersIndex: env.string("MEILISEARCH_USERS_INDEX", "users"),
    taskTimeoutMs: env.integer("MEILISEARCH_TASK_TIMEOUT_MS", 15_000, {
      min: 100,
      max: 900_000,
    }),
  };
  for (const name of ["MEILISEARCH_POSTS_INDEX", "MEILISEARCH_USERS_INDEX"]) {
    const uid = name.endsWith("POSTS_INDEX")
      ? config.postsIndex
      : config.usersIndex;
    if (!indexUidPattern.test(uid)) {
      env.reject(
        `${name} must be 1-64 letters, digits, "-" or "_", got "${uid}"`,
      );
    }
  }
  return config;
}
