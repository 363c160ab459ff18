import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createHandler } from "../../functions/cleanup.ts";
import {
  type CronServices,
  startCronServices,
} from "./support/cron-services.ts";
import { LogLines } from "./support/log-lines.ts";

// Full scale: 120,000 expired and 1,000 live tokens, batches of 5,000.
const expiredTokens = 120_000;
const liveTokens = 1_000;
const batchSize = 5_000;

let services: CronServices;
let sessionPrefix: string;

before(async () => {
  services = await startCronServices();
  sessionPrefix = `${services.keyPrefix}user_sessions:`;
});
after(() => services.dispose());

function cleanupEnv(): Record<string, string> {
  return {
    ...services.env,
    SESSION_INDEX_KEY_PREFIX: sessionPrefix,
    CLEANUP_TOKEN_BATCH_SIZE: String(batchSize),
    // A small COUNT makes SCAN take many calls over the test's keys.
    CLEANUP_SCAN_COUNT: "10",
  };
}

async function insertTokens(count: number, expiresAt: string) {
  await services.database.pool.query(
    `INSERT INTO auth_tokens (id, user_id, purpose, token_hash, expires_at)
     SELECT gen_random_uuid(), gen_random_uuid(), 'verification',
            md5(i::text), ${expiresAt}
     FROM generate_series(1, $1) AS i`,
    [count],
  );
}

async function countTokens(where: string): Promise<number> {
  const result = await services.database.pool.query(
    `SELECT count(*)::int AS count FROM auth_tokens WHERE ${where}`,
  );
  return (result.rows[0] as { count: number }).count;
}

/** Session indexes: 10 all expired, 10 mixed, 10 all live. */
async function arrangeSessionIndexes(nowSeconds: number) {
  const past = nowSeconds - 3_600;
  const future = nowSeconds + 86_400;
  for (let user = 0; user < 30; user += 1) {
    const key = `${sessionPrefix}user-${user}`;
    if (user < 10) {
      await services.redis.zadd(key, past, `s${user}a`, past - 1, `s${user}b`);
    } else if (user < 20) {
      await services.redis.zadd(
        key,
        past,
        `s${user}old`,
        future,
        `s${user}new`,
      );
    } else {
      await services.redis.zadd(
        key,
        future,
        `s${user}a`,
        future + 1,
        `s${user}b`,
      );
    }
  }
  // A key under the prefix that is not a sorted set must be left alone.
  await services.redis.set(`${sessionPrefix}not-a-set`, "kept");
}

test("concurrent cleanup runs: one works, one skips", async () => {
  await insertTokens(expiredTokens, "now() - interval '1 day'");
  await insertTokens(liveTokens, "now() + interval '1 day'");
  await arrangeSessionIndexes(Math.floor(Date.now() / 1_000));
  const firstLog = new LogLines();
  const secondLog = new LogLines();

  const results = await Promise.all([
    createHandler(cleanupEnv(), firstLog.logger)({ source: "scheduler" }),
    createHandler(cleanupEnv(), secondLog.logger)({ source: "scheduler" }),
  ]);

  const statuses = results.map((result) => result.status).sort();
  assert.deepEqual(statuses, ["completed", "skipped"]);
  const completed = results.find((result) => result.status === "completed");
  const skipped = results.find((result) => result.status === "skipped");
  assert.deepEqual(skipped?.counts, {});
  const skipLines = [...firstLog.lines, ...secondLog.lines].filter(
    (line) => line.msg === "cron run skipped: lock held by another run",
  );
  assert.equal(skipLines.length, 1);

  assert.equal(completed?.counts.tokensDeleted, expiredTokens);
  assert.ok((completed?.counts.largestTokenStatement ?? Infinity) <= batchSize);
  assert.ok(
    (completed?.counts.tokenStatements ?? 0) >= expiredTokens / batchSize,
  );
  assert.equal(await countTokens("expires_at < now()"), 0);
  assert.equal(await countTokens("expires_at >= now()"), liveTokens);

  assert.equal(completed?.counts.indexesScanned, 30);
  assert.equal(completed?.counts.membersRemoved, 30);
  assert.equal(completed?.counts.indexesDeleted, 10);
});

test("cleanup leaves pruned session indexes right", async () => {
  // The indexes as the run above left them.
  for (let user = 0; user < 10; user += 1) {
    assert.equal(
      await services.redis.exists(`${sessionPrefix}user-${user}`),
      0,
    );
  }
  for (let user = 10; user < 20; user += 1) {
    const members = await services.redis.zrange(
      `${sessionPrefix}user-${user}`,
      0,
      -1,
    );
    assert.deepEqual(members, [`s${user}new`]);
  }
  for (let user = 20; user < 30; user += 1) {
    const members = await services.redis.zrange(
      `${sessionPrefix}user-${user}`,
      0,
      -1,
    );
    assert.deepEqual(members, [`s${user}a`, `s${user}b`]);
  }
  assert.equal(await services.redis.get(`${sessionPrefix}not-a-set`), "kept");
});

test("cleanup releases its lock after a run", async () => {
  const lockKey = `${services.keyPrefix}cron-lock:cleanup`;
  assert.equal(await services.redis.exists(lockKey), 0);

  const log = new LogLines();
  const result = await createHandler(cleanupEnv(), log.logger)({});

  assert.equal(result.status, "completed");
  assert.equal(result.counts.tokensDeleted, 0);
  assert.equal(result.counts.tokenStatements, 1);
  assert.equal(result.counts.membersRemoved, 0);
  const [completedLine] = log.withMessage("cron run completed");
  assert.deepEqual(
    (completedLine?.counts as Record<string, number>).indexesDeleted,
    0,
  );
  assert.equal(await services.redis.exists(lockKey), 0);
});

test("cleanup skips while another run holds the lock", async () => {
  const lockKey = `${services.keyPrefix}cron-lock:cleanup`;
  await services.redis.set(lockKey, "another-run", "PX", 60_000);
  await insertTokens(5, "now() - interval '1 hour'");

  const log = new LogLines();
  const result = await createHandler(cleanupEnv(), log.logger)({});

  assert.equal(result.status, "skipped");
  const [skipLine] = log.withMessage(
    "cron run skipped: lock held by another run",
  );
  assert.equal(skipLine?.heldBy, "another-run");
  assert.equal(await countTokens("expires_at < now()"), 5);
  // Not its lock, so the skipped run leaves it in place.
  assert.equal(await services.redis.get(lockKey), "another-run");
  await services.redis.del(lockKey);
});
