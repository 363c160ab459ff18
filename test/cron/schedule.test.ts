import assert from "node:assert/strict";
import { test } from "node:test";
import { readCronTimeZone } from "../../lib/config/cron.ts";
import { EnvReader } from "../../lib/config/env-reader.ts";
import {
  type CronName,
  cronCatalogue,
  cronNames,
  lockTtlSeconds,
} from "../../lib/cron/catalogue.ts";
import {
  eventBridgeExpression,
  localExpression,
} from "../../lib/cron/expressions.ts";
import { CronSchedule } from "../../lib/cron/next-run.ts";
import { ConfigError } from "../../lib/errors.ts";

// 2026 DST changes: Europe/Amsterdam springs forward on 29 March at 01:00Z
// and falls back on 25 October at 01:00Z; America/New_York springs forward
// on 8 March at 07:00Z and falls back on 1 November at 06:00Z. Asia/Seoul
// keeps UTC+9 all year.

function runsOf(
  expression: string,
  timeZone: string,
  after: string,
  count: number,
): string[] {
  return new CronSchedule(expression, timeZone)
    .nextRuns(count, new Date(after))
    .map((run) => run.toISOString().replace(":00.000Z", "Z"));
}

function cronRuns(
  name: CronName,
  timeZone: string,
  after: string,
  count: number,
): string[] {
  const expression = localExpression(cronCatalogue[name].schedule);
  return runsOf(expression, timeZone, after, count);
}

test("catalogue expressions for EventBridge", () => {
  assert.equal(
    eventBridgeExpression(cronCatalogue.cleanup.schedule),
    "cron(0 4 ? * SAT *)",
  );
  assert.equal(
    eventBridgeExpression(cronCatalogue.sitemap.schedule),
    "cron(0 3 ? * SUN *)",
  );
  assert.equal(
    eventBridgeExpression(cronCatalogue["orphan-scan"].schedule),
    "cron(0 5 ? * FRI *)",
  );
});

test("catalogue expressions for croner", () => {
  assert.equal(localExpression(cronCatalogue.cleanup.schedule), "0 4 * * SAT");
  assert.equal(localExpression(cronCatalogue.sitemap.schedule), "0 3 * * SUN");
  assert.equal(
    localExpression(cronCatalogue["orphan-scan"].schedule),
    "0 5 * * FRI",
  );
});

test("every cron has a function and a lock longer than its timeout", () => {
  assert.deepEqual(cronNames, ["cleanup", "sitemap", "orphan-scan"]);
  for (const name of cronNames) {
    const cron = cronCatalogue[name];
    assert.equal(cron.functionModule, name);
    assert.ok(lockTtlSeconds(cron) > cron.timeoutSeconds);
  }
});

test("invalid schedule times throw", () => {
  assert.throws(
    () => eventBridgeExpression({ dayOfWeek: "MON", hour: 24, minute: 0 }),
    /hour must be 0-23, got 24/,
  );
  assert.throws(
    () => localExpression({ dayOfWeek: "MON", hour: 1, minute: 60 }),
    /minute must be 0-59, got 60/,
  );
});

test("F13 DST gap run is skipped, next day runs", { timeout: 5_000 }, () => {
  const schedule = new CronSchedule("30 2 * * *", "Europe/Amsterdam");
  const after = new Date("2026-03-28T12:00:00Z");

  // 02:30 does not exist in Amsterdam on 29 March 2026: the rule skips it.
  const next = schedule.nextRun(after);
  assert.equal(next?.toISOString(), "2026-03-30T00:30:00.000Z");
  assert.deepEqual(
    runsOf("30 2 * * *", "Europe/Amsterdam", after.toISOString(), 2),
    ["2026-03-30T00:30Z", "2026-03-31T00:30Z"],
  );
  assert.equal(schedule.isRunTime(new Date("2026-03-29T01:00:00Z")), false);
});

test("Amsterdam cron runs around spring forward", () => {
  assert.deepEqual(
    cronRuns("sitemap", "Europe/Amsterdam", "2026-03-20T00:00Z", 3),
    ["2026-03-22T02:00Z", "2026-03-29T01:00Z", "2026-04-05T01:00Z"],
  );
  assert.deepEqual(
    cronRuns("cleanup", "Europe/Amsterdam", "2026-03-20T00:00Z", 3),
    ["2026-03-21T03:00Z", "2026-03-28T03:00Z", "2026-04-04T02:00Z"],
  );
});

test("Amsterdam cron runs around fall back", () => {
  assert.deepEqual(
    cronRuns("sitemap", "Europe/Amsterdam", "2026-10-16T00:00Z", 3),
    ["2026-10-18T01:00Z", "2026-10-25T02:00Z", "2026-11-01T02:00Z"],
  );
  assert.deepEqual(
    cronRuns("orphan-scan", "Europe/Amsterdam", "2026-10-20T00:00Z", 2),
    ["2026-10-23T03:00Z", "2026-10-30T04:00Z"],
  );
});

test("Amsterdam repeated hour runs once", () => {
  // 02:30 occurs at 00:30Z (CEST) and again at 01:30Z (CET) on 25 October.
  assert.deepEqual(
    runsOf("30 2 * * *", "Europe/Amsterdam", "2026-10-24T12:00Z", 2),
    ["2026-10-25T00:30Z", "2026-10-26T01:30Z"],
  );
  // An hourly expression: local 02:00 comes twice, the second is dropped.
  assert.deepEqual(
    runsOf("0 * * * *", "Europe/Amsterdam", "2026-10-24T23:30Z", 3),
    ["2026-10-25T00:00Z", "2026-10-25T02:00Z", "2026-10-25T03:00Z"],
  );
  // And in the spring gap the hourly expression has no 02:00.
  assert.deepEqual(
    runsOf("0 * * * *", "Europe/Amsterdam", "2026-03-28T23:30Z", 3),
    ["2026-03-29T00:00Z", "2026-03-29T01:00Z", "2026-03-29T02:00Z"],
  );
});

test("New York cron runs around spring forward", () => {
  assert.deepEqual(
    cronRuns("sitemap", "America/New_York", "2026-02-27T00:00Z", 3),
    ["2026-03-01T08:00Z", "2026-03-08T07:00Z", "2026-03-15T07:00Z"],
  );
  // 02:30 does not exist on 8 March: skipped, not moved to 03:00.
  assert.deepEqual(
    runsOf("30 2 * * *", "America/New_York", "2026-03-07T12:00Z", 2),
    ["2026-03-09T06:30Z", "2026-03-10T06:30Z"],
  );
});

test("New York cron runs around fall back", () => {
  assert.deepEqual(
    cronRuns("sitemap", "America/New_York", "2026-10-23T00:00Z", 3),
    ["2026-10-25T07:00Z", "2026-11-01T08:00Z", "2026-11-08T08:00Z"],
  );
  // 01:30 occurs at 05:30Z (EDT) and 06:30Z (EST) on 1 November: once.
  assert.deepEqual(
    runsOf("30 1 * * *", "America/New_York", "2026-10-31T12:00Z", 2),
    ["2026-11-01T05:30Z", "2026-11-02T06:30Z"],
  );
});

test("Seoul runs do not move across the year", () => {
  assert.deepEqual(cronRuns("sitemap", "Asia/Seoul", "2026-03-26T00:00Z", 2), [
    "2026-03-28T18:00Z",
    "2026-04-04T18:00Z",
  ]);
  assert.deepEqual(cronRuns("sitemap", "Asia/Seoul", "2026-10-22T00:00Z", 3), [
    "2026-10-24T18:00Z",
    "2026-10-31T18:00Z",
    "2026-11-07T18:00Z",
  ]);
  assert.deepEqual(runsOf("30 2 * * *", "Asia/Seoul", "2026-03-28T12:00Z", 2), [
    "2026-03-28T17:30Z",
    "2026-03-29T17:30Z",
  ]);
});

test("UTC is the default time zone", () => {
  const env = new EnvReader({});
  assert.equal(readCronTimeZone(env), "UTC");
  env.assertValid();
});

test("unknown time zone fails naming it", () => {
  const env = new EnvReader({ CRON_TIMEZONE: "Mars/Olympus" });
  readCronTimeZone(env);
  assert.throws(
    () => env.assertValid(),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /CRON_TIMEZONE "Mars\/Olympus"/);
      return true;
    },
  );
});

test("offset instead of a zone name fails", () => {
  const env = new EnvReader({ CRON_TIMEZONE: "+01:00" });
  readCronTimeZone(env);
  assert.throws(
    () => env.assertValid(),
    /CRON_TIMEZONE "\+01:00" is not an IANA/,
  );
});
