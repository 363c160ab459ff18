import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { LocalScheduler } from "../../lib/cron/scheduler.ts";
import { LogLines } from "./support/log-lines.ts";

// croner's six-field form with seconds: a run every second keeps these
// tests short while going through the same timers as a weekly cron.
const everySecond = "* * * * * *";

test("scheduler runs a due cron", async (t) => {
  const log = new LogLines();
  const runs: string[] = [];
  const scheduler = new LocalScheduler({
    crons: [{ name: "tick", expression: everySecond }],
    timeZone: "Europe/Amsterdam",
    run: async (name) => {
      runs.push(name);
      log.emit("ran");
    },
    logger: log.logger,
  });
  t.after(() => scheduler.stop());

  scheduler.start();
  const firstNextRun = scheduler.nextRunOf("tick");
  assert.ok(firstNextRun !== undefined);
  await once(log, "ran");

  assert.deepEqual(runs, ["tick"]);
  const nextRun = scheduler.nextRunOf("tick");
  assert.ok(nextRun !== undefined && nextRun > firstNextRun);
  assert.ok(log.withMessage("cron scheduled").length >= 2);
});

test("scheduler skips a run while one is in progress", async (t) => {
  const log = new LogLines();
  let release = () => {};
  const blocked = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started = 0;
  const scheduler = new LocalScheduler({
    crons: [{ name: "slow", expression: everySecond }],
    timeZone: "UTC",
    run: async () => {
      started += 1;
      await blocked;
    },
    logger: log.logger,
  });
  t.after(() => scheduler.stop());

  scheduler.start();
  const skipped = await log.waitFor(
    "cron run skipped: previous run still in progress",
  );
  release();

  assert.equal(skipped.cron, "slow");
  assert.equal(started, 1);
});

test("scheduler logs a failed run and goes on", async (t) => {
  const log = new LogLines();
  let calls = 0;
  const scheduler = new LocalScheduler({
    crons: [{ name: "flaky", expression: everySecond }],
    timeZone: "Asia/Seoul",
    run: async () => {
      calls += 1;
      if (calls === 1) throw new Error("database unreachable");
      log.emit("recovered");
    },
    logger: log.logger,
  });
  t.after(() => scheduler.stop());

  scheduler.start();
  await once(log, "recovered");

  const [failure] = log.withMessage("cron run failed");
  assert.equal(failure?.cron, "flaky");
  assert.match(JSON.stringify(failure?.err), /database unreachable/);
  assert.equal(calls, 2);
});

test("stop waits for the run in progress", async () => {
  const log = new LogLines();
  let finished = false;
  const scheduler = new LocalScheduler({
    crons: [{ name: "tick", expression: everySecond }],
    timeZone: "UTC",
    run: async () => {
      log.emit("started");
      await new Promise((resolve) => setImmediate(resolve));
      finished = true;
    },
    logger: log.logger,
  });

  scheduler.start();
  await once(log, "started");
  await scheduler.stop();

  assert.equal(finished, true);
});
