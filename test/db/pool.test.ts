import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { createDatabasePool } from "../../lib/db/pool.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase();
});
after(() => database.dispose());

const fixture = new URL("./fixtures/no-global-websocket.ts", import.meta.url);

/** Runs the fixture in a fresh Node and resolves with its exit and output. */
function runWithoutGlobalWebSocket(): Promise<{
  code: number | null;
  stdout: string;
  stderr: string;
}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture.pathname], {
      env: { ...process.env, ...database.env, LOG_LEVEL: "silent" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));

    // A process kept alive by an open socket never exits: stop it and fail.
    const guard = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`process did not exit after pool.end():\n${stderr}`));
    }, 30_000);
    child.once("exit", (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

test("pool queries through the local proxy", async () => {
  await database.pool.query(
    "INSERT INTO users (id, display_name, handle, email) VALUES ($1, $2, $3, $4)",
    ["0190a4f2-1b2c-7d3e-8f40-000000000001", "Ada", "ada", "ada@example.com"],
  );
  const pool = createDatabasePool({
    url: database.env.DATABASE_URL,
    webSocketProxy: database.env.DATABASE_WS_PROXY,
    poolMax: 2,
  });

  const result = await pool.query<{ handle: string }>(
    "SELECT handle FROM users",
  );
  await pool.end();

  assert.deepEqual(
    result.rows.map((row) => row.handle),
    ["ada"],
  );
  assert.equal(pool.totalCount, 0);
});

test("pool without a global WebSocket uses ws and exits", async () => {
  const { code, stdout, stderr } = await runWithoutGlobalWebSocket();

  assert.equal(code, 0, stderr);
  const report = JSON.parse(stdout.trim());
  assert.equal(report.globalWebSocket, "undefined");
  assert.equal(report.constructorIsWs, true);
  assert.equal(typeof report.users, "number");
  assert.equal(report.idleAfterQuery, 1);
  assert.equal(report.totalAfterEnd, 0);
  assert.equal(report.ended, true);
});
