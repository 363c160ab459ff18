import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { after, before, test } from "node:test";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { Bridge } from "../../lib/bridge/bridge.ts";
import { provision } from "../../lib/bridge/provision.ts";
import { runCli } from "../../lib/cli/program.ts";
import { PermanentJobError } from "../../lib/errors.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import type { ReindexJob } from "../../lib/jobs/schemas.ts";
import { invokerFor, testHandler } from "../support/handlers.ts";
import { connectTo, sharedNatsUrl, testBridgeConfig } from "../support/nats.ts";
import { Capture, cliEnv, jsonOf, runJobs } from "./run-jobs.ts";

// A stand-in reindex function: batches 0 to 3 each enqueue the next, the
// fourth finds no rows and ends the chain. A batch size of 13 makes batch 1
// fail for good, to show a reindex that stops half-way.
const lastBatch = 4;
const failingBatchSize = 13;

const config = testBridgeConfig(
  [sharedNatsUrl],
  ["reindex-posts", "reindex-users"],
);
const env = cliEnv(sharedNatsUrl, config.naming);
const seen: ReindexJob[] = [];
let bridge: Bridge | undefined;
let connection: NatsConnection;

before(async () => {
  connection = await connectTo(sharedNatsUrl);
});

after(async () => {
  await bridge?.stop();
  const jsm = await jetstreamManager(connection);
  for (const jobType of config.jobTypes) {
    await jsm.streams
      .delete(addressOf(jobType, config.naming).stream)
      .catch(() => false);
  }
  await jsm.streams.delete(config.naming.deadLetterStream).catch(() => false);
  await connection.close();
});

test("reindex --no-follow publishes the first batch", async () => {
  await provision(await jetstreamManager(connection), config);

  const run = await runJobs(
    ["reindex", "users", "--no-follow", "--batch-size", "500", "--json"],
    env,
  );
  assert.equal(run.code, 0, run.stderr);
  const started = jsonOf<Record<string, unknown>>(run);
  const address = addressOf("reindex-users", config.naming);
  assert.equal(started.jobType, "reindex-users");
  assert.equal(started.subject, address.subject);
  assert.equal(started.stream, address.stream);
  assert.equal(started.sequence, 1);
  assert.equal(started.batchSize, 500);
  assert.equal(started.followed, false);
  assert.match(String(started.reindexId), /^[0-9a-f-]{36}$/);

  const jsm = await jetstreamManager(connection);
  const stored = await jsm.streams.getMessage(address.stream, { seq: 1 });
  assert.deepEqual(stored?.json(), {
    after_id: null,
    batch_size: 500,
    reindex_id: started.reindexId,
    batch_number: 0,
  });

  const unknown = await runJobs(["reindex", "comments"], env);
  assert.equal(unknown.code, 2);
  const tooLarge = await runJobs(
    ["reindex", "posts", "--batch-size", "100001"],
    env,
  );
  assert.equal(tooLarge.code, 2);
});

test("reindex follows the batches until the chain ends", async () => {
  const subject = addressOf("reindex-posts", config.naming).subject;
  bridge = await Bridge.start({
    config: { ...config, jobTypes: ["reindex-posts"], maxDeliver: 1 },
    invoker: invokerFor({
      "reindex-posts": testHandler("reindex-posts", async (job) => {
        const batch = job as ReindexJob;
        seen.push(batch);
        if (batch.batch_size === failingBatchSize && batch.batch_number === 1) {
          throw new PermanentJobError("posts table is unreadable");
        }
        if (batch.batch_number === lastBatch) return {};
        const next = { ...batch, batch_number: batch.batch_number + 1 };
        return { enqueue: [{ subject, job: next }] };
      }),
    }),
  });

  const run = await runJobs(
    ["reindex", "posts", "--batch-size", "100", "--json"],
    env,
  );
  assert.equal(run.code, 0, run.stderr);
  const outcome = jsonOf<Record<string, unknown>>(run);
  assert.equal(outcome.followed, true);
  assert.equal(outcome.state, "finished");
  assert.equal(outcome.batches, lastBatch + 1);
  const ran = seen.filter((job) => job.reindex_id === outcome.reindexId);
  assert.deepEqual(
    ran.map((job) => job.batch_number),
    [0, 1, 2, 3, 4],
  );

  const text = await runJobs(["reindex", "posts", "--batch-size", "100"], env);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /finished after 5 batches/);
  assert.match(text.stderr, /batch 4 published, 5 batches so far/);
});

test("reindex prints the start line first", async () => {
  // One stream for both outputs shows the order a terminal would.
  const terminal = new Capture();
  const code = await runCli(["reindex", "posts", "--batch-size", "100"], {
    stdout: terminal as unknown as NodeJS.WriteStream,
    stderr: terminal as unknown as NodeJS.WriteStream,
    stdin: Readable.from([]),
    env,
  });
  assert.equal(code, 0, terminal.text);
  const lines = terminal.text.split("\n");
  assert.match(lines[0] ?? "", /^started reindex-posts /);
  assert.match(lines[1] ?? "", /^batch 0 published, 1 batches so far$/);
  assert.match(terminal.text, /finished after 5 batches/);
});

test("reindex exits 1 when a batch is dead-lettered", async () => {
  const run = await runJobs(
    ["reindex", "posts", "--batch-size", String(failingBatchSize), "--json"],
    env,
  );
  assert.equal(run.code, 1);
  const outcome = jsonOf<Record<string, unknown>>(run);
  assert.equal(outcome.state, "dead-lettered");
  assert.equal(outcome.batches, 2);
  assert.equal(typeof outcome.deadLetterSequence, "number");
});
