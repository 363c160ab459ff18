import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { Bridge } from "../../lib/bridge/bridge.ts";
import { PermanentJobError } from "../../lib/errors.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { collectEvents, waitForEvent } from "../support/events.ts";
import { invokerFor, testHandler } from "../support/handlers.ts";
import { connectTo, sharedNatsUrl, testBridgeConfig } from "../support/nats.ts";
import { cliEnv, jsonOf, runJobs } from "./run-jobs.ts";

interface ListedDeadLetter {
  sequence: number;
  jobType: string;
  originalSubject: string;
  originalSequence: number | null;
  deliveryCount: number | null;
  failureKind: string | null;
  lastError: string;
  failedAt: string | null;
  storedAt: string;
  payloadBytes: number;
}

const config = testBridgeConfig([sharedNatsUrl], ["index-post", "index-user"]);
const env = cliEnv(sharedNatsUrl, config.naming);
const postId = "0190a4f2-1b2c-7d3e-8f40-123456789abc";
const userId = "0190a4f2-1b2c-7d3e-8f40-0000000000aa";
/** While true the index-post function fails every job for good. */
let failing = true;
let bridge: Bridge;
let connection: NatsConnection;

function deadLetterCount(): Promise<number> {
  return jetstreamManager(connection)
    .then((jsm) => jsm.streams.info(config.naming.deadLetterStream))
    .then((info) => info.state.messages);
}

before(async () => {
  const succeed = async () => {};
  bridge = await Bridge.start({
    config,
    invoker: invokerFor({
      "index-post": testHandler("index-post", async () => {
        if (failing) throw new PermanentJobError("post row is locked");
      }),
      "index-user": testHandler("index-user", succeed),
    }),
  });
  connection = await connectTo(sharedNatsUrl);

  // Two permanent failures and one invalid payload.
  const deadLettered = collectEvents(bridge.events, "job.dead-lettered", 3);
  const js = jetstream(connection);
  const post = addressOf("index-post", config.naming).subject;
  await js.publish(post, JSON.stringify({ post_id: postId, action: "Index" }));
  await js.publish(post, JSON.stringify({ post_id: postId, action: "Delete" }));
  await js.publish(
    addressOf("index-user", config.naming).subject,
    JSON.stringify({ user_id: userId, action: "index" }),
  );
  await deadLettered;
  failing = false;
});

after(async () => {
  await bridge.stop();
  const jsm = await jetstreamManager(connection);
  for (const jobType of config.jobTypes) {
    await jsm.streams.delete(addressOf(jobType, config.naming).stream);
  }
  await jsm.streams.delete(config.naming.deadLetterStream);
  await connection.close();
});

test("dlq list shows every dead letter with its headers", async () => {
  const run = await runJobs(["dlq", "list", "--json"], env);
  assert.equal(run.code, 0, run.stderr);
  const listed = jsonOf<{ count: number; deadLetters: ListedDeadLetter[] }>(
    run,
  );
  assert.equal(listed.count, 3);

  const [first, second, invalid] = listed.deadLetters;
  assert.ok(
    first !== undefined && second !== undefined && invalid !== undefined,
  );
  assert.deepEqual(
    listed.deadLetters.map((item) => item.sequence),
    [1, 2, 3],
  );
  assert.equal(first.jobType, "index-post");
  assert.equal(
    first.originalSubject,
    addressOf("index-post", config.naming).subject,
  );
  assert.equal(first.originalSequence, 1);
  assert.equal(first.deliveryCount, 1);
  assert.equal(first.failureKind, "permanent");
  assert.equal(first.lastError, "post row is locked");
  assert.ok(first.payloadBytes > 0);
  assert.ok(!Number.isNaN(Date.parse(first.storedAt)));
  assert.ok(!Number.isNaN(Date.parse(first.failedAt ?? "")));
  assert.equal(invalid.jobType, "index-user");
  assert.equal(invalid.failureKind, "invalid");
  assert.match(invalid.lastError, /^action: /);

  const text = await runJobs(["dlq", "list"], env);
  assert.match(text.stdout, /^3 dead letters$/m);
  assert.match(text.stdout, /^ +3  index-user  invalid +1  /m);
  const [header, firstRow] = text.stdout.split("\n");
  const errorColumn = header?.indexOf("last error") ?? -1;
  assert.ok(errorColumn > 0, header);
  assert.equal(firstRow?.slice(errorColumn), "post row is locked");

  const single = await runJobs(["dlq", "list", "--job", "index-user"], env);
  assert.match(single.stdout, /^1 dead letter$/m);
});

test("dlq list filters by job type and time", async () => {
  const byJob = jsonOf<{ count: number; deadLetters: ListedDeadLetter[] }>(
    await runJobs(["dlq", "list", "--job", "index-user", "--json"], env),
  );
  assert.equal(byJob.count, 1);
  assert.equal(byJob.deadLetters[0]?.jobType, "index-user");

  const recent = jsonOf<{ count: number }>(
    await runJobs(["dlq", "list", "--since", "1h", "--json"], env),
  );
  assert.equal(recent.count, 3);

  const future = new Date(Date.now() + 3_600_000).toISOString();
  const none = jsonOf<{ count: number }>(
    await runJobs(["dlq", "list", "--since", future, "--json"], env),
  );
  assert.equal(none.count, 0);

  const badTime = await runJobs(["dlq", "list", "--since", "yesterday"], env);
  assert.equal(badTime.code, 2);

  const latest = jsonOf<{ count: number }>(
    await runJobs(
      ["dlq", "list", "--since", "2262-04-11T23:47:16Z", "--json"],
      env,
    ),
  );
  assert.equal(latest.count, 0);

  for (const since of [
    "99999999d",
    "1969-12-31T23:59:59Z",
    "2262-04-11T23:47:17Z",
    "+010000-01-01",
  ]) {
    const outOfRange = await runJobs(["dlq", "list", "--since", since], env);
    assert.equal(outOfRange.code, 2, since);
    assert.match(outOfRange.stderr, /is outside 1970-01-01T00:00:00Z/, since);
  }
});

test("dlq show prints one dead letter or exits 4", async () => {
  const run = await runJobs(["dlq", "show", "2", "--json"], env);
  assert.equal(run.code, 0, run.stderr);
  const shown = jsonOf<Record<string, unknown>>(run);
  assert.equal(shown.sequence, 2);
  assert.equal(shown.jobType, "index-post");
  assert.deepEqual(shown.payload, { post_id: postId, action: "Delete" });

  const missing = await runJobs(["dlq", "show", "999", "--json"], env);
  assert.equal(missing.code, 4);
  assert.match(
    jsonOf<{ error: { message: string } }>(missing).error.message,
    /no dead letter with sequence 999/,
  );

  const notANumber = await runJobs(["dlq", "show", "abc"], env);
  assert.equal(notANumber.code, 2);
});

test("dlq replay by sequence republishes and removes it", async () => {
  // The invalid index-user payload (sequence 3) would not be replayed.
  const dryRun = await runJobs(["dlq", "replay", "--dry-run", "--json"], env);
  assert.equal(dryRun.code, 1, dryRun.stderr);
  const planned = jsonOf<{
    dryRun: boolean;
    selected: number;
    failures: { sequence: number; reason: string }[];
  }>(dryRun);
  assert.equal(planned.dryRun, true);
  assert.equal(planned.selected, 3);
  assert.deepEqual(
    planned.failures.map((failure) => failure.sequence),
    [3],
  );
  const reason = planned.failures[0]?.reason ?? "";
  assert.match(reason, /^invalid index-user/);
  assert.match(reason, /`publish index-user <file>`/);
  assert.match(reason, /`dlq purge 3 --yes`/);
  assert.doesNotMatch(reason, /fix it/);
  assert.equal(await deadLetterCount(), 3);

  const succeeded = waitForEvent<{ sequence: number; jobType: string }>(
    bridge.events,
    "job.succeeded",
    (event) => event.jobType === "index-post",
  );
  const run = await runJobs(["dlq", "replay", "1", "--json"], env);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(jsonOf(run), {
    dryRun: false,
    selected: 1,
    missing: [],
    replayed: 1,
    duplicates: 0,
    failures: [],
  });
  await succeeded;
  assert.equal(await deadLetterCount(), 2);

  const both = await runJobs(
    ["dlq", "replay", "2", "--job", "index-post"],
    env,
  );
  assert.equal(both.code, 2);

  const missing = await runJobs(["dlq", "replay", "999", "--json"], env);
  assert.equal(missing.code, 4);
  assert.deepEqual(jsonOf<{ missing: number[] }>(missing).missing, [999]);
});

test("dlq purge needs --yes and deletes by job type", async () => {
  const unconfirmed = await runJobs(
    ["dlq", "purge", "--job", "index-user"],
    env,
  );
  assert.equal(unconfirmed.code, 2);
  assert.match(unconfirmed.stderr, /add --yes/);
  assert.equal(await deadLetterCount(), 2);

  const run = await runJobs(
    ["dlq", "purge", "--job", "index-user", "--yes", "--json"],
    env,
  );
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(jsonOf(run), { purged: 1, missing: [] });
  assert.equal(await deadLetterCount(), 1);

  const missing = await runJobs(["dlq", "purge", "999", "--yes"], env);
  assert.equal(missing.code, 4);
});

test("dlq replay by job type empties the stream", async () => {
  const succeeded = waitForEvent<{ jobType: string }>(
    bridge.events,
    "job.succeeded",
    (event) => event.jobType === "index-post",
  );
  const run = await runJobs(["dlq", "replay", "--job", "index-post"], env);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^replayed 1 of 1 dead letter$/m);
  await succeeded;
  assert.equal(await deadLetterCount(), 0);

  const empty = jsonOf<{ count: number }>(
    await runJobs(["dlq", "list", "--json"], env),
  );
  assert.equal(empty.count, 0);
});
