import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createDatabasePool } from "../../lib/db/pool.ts";
import { startPostgres } from "../../lib/local/services.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase();
});
after(() => database.dispose());

test("postgres starter applies schema behind a proxy", async () => {
  await database.pool.query("DROP TABLE posts");
  const service = await startPostgres({
    env: { DATABASE_URL: database.env.DATABASE_URL },
    dataDir: "/nonexistent",
  });

  try {
    // The server is the test's; only the proxy in front of it is new.
    assert.equal(service.reused, true);
    assert.equal(service.details?.webSocketProxyReused, false);
    assert.equal(
      service.details?.webSocketProxy,
      service.env.DATABASE_WS_PROXY,
    );
    assert.equal(service.env.DATABASE_URL, database.env.DATABASE_URL);
    assert.match(service.env.DATABASE_WS_PROXY ?? "", /^127\.0\.0\.1:\d+\/v2$/);
    assert.notEqual(
      service.env.DATABASE_WS_PROXY,
      database.env.DATABASE_WS_PROXY,
    );

    const pool = createDatabasePool({
      url: service.env.DATABASE_URL as string,
      webSocketProxy: service.env.DATABASE_WS_PROXY,
      poolMax: 1,
    });
    const tables = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = 'public' ORDER BY table_name`,
    );
    await pool.end();
    assert.deepEqual(
      tables.rows.map((row) => row.table_name),
      ["auth_tokens", "posts", "users"],
    );
  } finally {
    await service.stop();
  }
});

test("postgres starter leaves a remote Neon URL alone", async () => {
  const url =
    "postgres://app:secret@ep-quiet-1234.eu-central-1.aws.neon.tech/app";
  const service = await startPostgres({
    env: { DATABASE_URL: url },
    dataDir: "/nonexistent",
  });

  assert.equal(service.reused, true);
  assert.deepEqual(service.env, { DATABASE_URL: url });
  assert.doesNotMatch(service.url, /secret/);
});
