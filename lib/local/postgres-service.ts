import { join } from "node:path";
import { envValue } from "../config/env-reader.ts";
import { createDatabasePool } from "../db/pool.ts";
import { applySchema } from "../db/schema.ts";
import { isPortOpen } from "./free-port.ts";
import { NeonProxy } from "./neon-proxy.ts";
import { LocalPostgres } from "./postgres.ts";
import {
  type LocalService,
  redactUrl,
  reusedService,
  type StackContext,
} from "./stack.ts";

/** The database `npm run dev` creates when `DATABASE_URL` is unset. */
export const devDatabaseName = "axumkit";

/** The machine's Postgres, used when it accepts connections on 5432. */
const machinePostgresUrl = "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * Postgres with the schema, behind the WebSocket proxy the Neon driver needs.
 *
 * - `DATABASE_URL` on a remote host (Neon): used as it is, untouched.
 * - `DATABASE_URL` on loopback: the schema is applied, and a proxy is
 *   started unless `DATABASE_WS_PROXY` is set.
 * - unset: the Postgres on 127.0.0.1:5432 when it accepts connections,
 *   otherwise a cluster of our own under the data folder. Database
 *   `axumkit` is created there.
 */
export async function startPostgresService(
  context: StackContext,
): Promise<LocalService> {
  const databaseUrl = envValue(context.env, "DATABASE_URL");
  if (databaseUrl !== undefined && !isLoopbackUrl(databaseUrl)) {
    return reusedService("postgres", redactUrl(databaseUrl), {
      DATABASE_URL: databaseUrl,
    });
  }

  const givenProxy = envValue(context.env, "DATABASE_WS_PROXY");
  const proxy = givenProxy === undefined ? await NeonProxy.start() : undefined;
  const proxyAddress = givenProxy ?? (proxy?.address as string);
  let cluster: LocalPostgres | undefined;
  const stop = async () => {
    await proxy?.stop();
    await cluster?.stop();
  };

  try {
    let url = databaseUrl;
    if (url === undefined) {
      const serverUrl = (await isPortOpen(5432))
        ? machinePostgresUrl
        : await startCluster(context).then((started) => {
            cluster = started;
            return started.serverUrl;
          });
      url = await ensureDatabase(serverUrl, devDatabaseName, proxyAddress);
    }
    await withPool(url, proxyAddress, applySchema);

    // `reused` is about the database server. The WebSocket proxy in front
    // of it has its own fields, because a reused server often gets a
    // started proxy.
    return {
      name: "postgres",
      url: redactUrl(url),
      reused: cluster === undefined,
      details: {
        webSocketProxy: proxyAddress,
        webSocketProxyReused: proxy === undefined,
      },
      env: { DATABASE_URL: url, DATABASE_WS_PROXY: proxyAddress },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function startCluster(context: StackContext): Promise<LocalPostgres> {
  return LocalPostgres.start(join(context.dataDir, "postgres"));
}

/** Creates the database when missing; returns its connection string. */
async function ensureDatabase(
  serverUrl: string,
  name: string,
  proxyAddress: string,
): Promise<string> {
  await withPool(serverUrl, proxyAddress, async (pool) => {
    const found = await pool.query(
      "SELECT 1 FROM pg_database WHERE datname = $1",
      [name],
    );
    if (found.rowCount === 0) await pool.query(`CREATE DATABASE ${name}`);
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.href;
}

async function withPool<T>(
  url: string,
  webSocketProxy: string,
  use: (pool: ReturnType<typeof createDatabasePool>) => Promise<T>,
): Promise<T> {
  const pool = createDatabasePool({ url, webSocketProxy, poolMax: 1 });
  try {
    return await use(pool);
  } finally {
    await pool.end();
  }
}

export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return ["localhost", "127.0.0.1", "[::1]", "::1"].includes(host);
}
