import { randomBytes } from "node:crypto";
import { createDatabasePool, type Pool } from "../../lib/db/pool.ts";
import { applySchema } from "../../lib/db/schema.ts";
import { NeonProxy } from "../../lib/local/neon-proxy.ts";

/** The machine's Postgres, reached as a superuser with trust auth. */
export const testServerUrl =
  process.env.TEST_DATABASE_URL ??
  "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  name: string;
  /** `DATABASE_URL` and `DATABASE_WS_PROXY` for functions under test. */
  env: { DATABASE_URL: string; DATABASE_WS_PROXY: string };
  /** A pool on the database, through the proxy, for arranging rows. */
  pool: Pool;
  /** Ends the pool, drops the database and stops the proxy. */
  dispose(): Promise<void>;
}

/**
 * Creates a database no other test uses, with the schema applied, reached
 * through a WebSocket proxy of its own, the way the functions reach Neon.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const proxy = await NeonProxy.start();
  const name = `axumkit_test_${randomBytes(6).toString("hex")}`;
  const admin = createDatabasePool({
    url: testServerUrl,
    webSocketProxy: proxy.address,
    poolMax: 1,
  });
  await admin.query(`CREATE DATABASE ${name}`);

  const url = new URL(testServerUrl);
  url.pathname = `/${name}`;
  const env = { DATABASE_URL: url.href, DATABASE_WS_PROXY: proxy.address };
  const pool = createDatabasePool({
    url: env.DATABASE_URL,
    webSocketProxy: proxy.address,
    poolMax: 10,
  });
  await applySchema(pool);

  const dispose = async () => {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await proxy.stop();
  };
  return { name, env, pool, dispose };
}
