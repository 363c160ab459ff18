import type { EnvReader } from "../config/env-reader.ts";

/** How the functions reach Postgres. Defaults in brackets. */
export interface DatabaseConfig {
  /** `DATABASE_URL`, a Postgres connection string (required). */
  url: string;
  /**
   * `DATABASE_WS_PROXY`: host, port and path of a WebSocket-to-TCP proxy in
   * front of a plain Postgres, such as `127.0.0.1:5433/v2`. Set for local
   * runs and tests only; unset, the driver talks to Neon directly [unset].
   */
  webSocketProxy?: string;
  /** `DATABASE_POOL_MAX`, connections per pool [5]. */
  poolMax: number;
}

export function readDatabaseConfig(env: EnvReader): DatabaseConfig {
  const url = env.required("DATABASE_URL");
  if (url !== "" && !/^postgres(ql)?:\/\//.test(url)) {
    env.reject("DATABASE_URL must start with postgres:// or postgresql://");
  }

  const webSocketProxy = env.optional("DATABASE_WS_PROXY");
  if (webSocketProxy !== undefined && /^[a-z]+:\/\//i.test(webSocketProxy)) {
    env.reject(
      `DATABASE_WS_PROXY must not include a protocol, got "${webSocketProxy}"`,
    );
  }

  return {
    url,
    webSocketProxy,
    poolMax: env.integer("DATABASE_POOL_MAX", 5, { min: 1, max: 100 }),
  };
}
