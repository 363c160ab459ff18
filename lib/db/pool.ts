import { neonConfig, Pool } from "@neondatabase/serverless";
import { WebSocket } from "ws";
import type { Logger } from "../log.ts";
import type { DatabaseConfig } from "./config.ts";

export type { Pool } from "@neondatabase/serverless";

/**
 * Creates a `@neondatabase/serverless` pool, which speaks the Postgres
 * protocol over a WebSocket as it does in Lambda.
 *
 * Node before 22 has no global `WebSocket`, and the driver then fails to
 * connect; `ws` fills the gap. Idle connections do not keep the process
 * alive (`allowExitOnIdle`), so a script or test that forgets `end()` still
 * exits; callers end the pool when done all the same.
 */
export function createDatabasePool(
  config: DatabaseConfig,
  logger?: Logger,
): Pool {
  ensureWebSocketConstructor();
  if (config.webSocketProxy !== undefined) {
    useLocalProxy(config.webSocketProxy);
  }

  const pool = new Pool({
    connectionString: config.url,
    max: config.poolMax,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: 10_000,
    allowExitOnIdle: true,
  });
  // An idle connection that drops (Neon suspending the compute, a restart)
  // is emitted as "error"; unhandled, that event would end the process. The
  // pool discards the connection and opens a new one on the next query.
  pool.on("error", (error: Error) => {
    // The driver may pass a WebSocket ErrorEvent, whose fields include the
    // whole client; log its message only.
    logger?.warn({ error: describe(error) }, "idle database connection closed");
  });
  return pool;
}

/** Gives the driver the `ws` constructor when the runtime has none. */
export function ensureWebSocketConstructor(): void {
  if (
    typeof globalThis.WebSocket === "undefined" &&
    neonConfig.webSocketConstructor === undefined
  ) {
    neonConfig.webSocketConstructor = WebSocket as never;
  }
}

/**
 * Points the driver at our WebSocket-to-TCP proxy in front of a plain
 * Postgres. The settings are process-wide in the driver. The proxy speaks
 * `ws:` without TLS, and Postgres there may ask for no password or for
 * SCRAM, so the driver must not pipeline a cleartext password or TLS.
 */
function useLocalProxy(proxy: string): void {
  neonConfig.wsProxy = (host, port) => `${proxy}?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.pipelineTLS = false;
  neonConfig.forceDisablePgSSL = true;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  const event = error as { message?: string; error?: { message?: string } };
  return event.message || event.error?.message || "connection error";
}
