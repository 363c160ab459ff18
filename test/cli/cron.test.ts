import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  type CronServices,
  startCronServices,
} from "../cron/support/cron-services.ts";
import { jsonOf, runJobs } from "./run-jobs.ts";

let services: CronServices;

before(async () => {
  services = await startCronServices();
});
after(() => services.dispose());

function cronEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ...services.env,
    LOG_LEVEL: "info",
    ...extra,
  };
}

test("cron run cleanup runs once and prints its outcome", async () => {
  await services.database.pool.query(
    `INSERT INTO auth_tokens (id, user_id, purpose, token_hash, expires_at)
     SELECT gen_random_uuid(), gen_random_uuid(), 'verification', md5(i::text),
            now() - interval '1 day'
     FROM generate_series(1, 3) AS i`,
  );

  const run = await runJobs(["cron", "run", "cleanup", "--json"], cronEnv());
  assert.equal(run.code, 0, run.stderr);
  const result = jsonOf<Record<string, unknown>>(run);
  assert.equal(result.cron, "cleanup");
  assert.equal(result.status, "completed");
  assert.equal(typeof result.durationMs, "number");
  assert.equal(typeof result.counts, "object");
  assert.match(run.stderr, /"service":"cron\.cleanup"/, "logs go to stderr");

  const left = await services.database.pool.query(
    "SELECT count(*)::int AS count FROM auth_tokens WHERE expires_at < now()",
  );
  assert.equal((left.rows[0] as { count: number }).count, 0);

  const text = await runJobs(["cron", "run", "cleanup"], cronEnv());
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^cleanup completed in \d+ ms/m);
});

test("cron run exits 2 and 3 on bad input", async () => {
  const unknown = await runJobs(["cron", "run", "vacuum"], cronEnv());
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.stderr,
    /unknown cron "vacuum"; known: cleanup, sitemap, orphan-scan/,
  );

  const noDatabase = await runJobs(["cron", "run", "cleanup", "--json"], {
    PATH: process.env.PATH,
  });
  assert.equal(noDatabase.code, 3);
  assert.match(
    jsonOf<{ error: { message: string } }>(noDatabase).error.message,
    /invalid configuration/,
  );
});
