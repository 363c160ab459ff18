import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { addressOf } from "../../lib/jobs/naming.ts";
import { deleteStreams } from "../support/dead-letters.ts";
import { eventually } from "../support/events.ts";
import { connectTo, sharedNatsUrl, uniqueNaming } from "../support/nats.ts";
import {
  type BridgeProcess,
  exitOf,
  functionRecords,
  startBridgeProcess,
} from "./support/bridge-process.ts";
import { newPostIds, publishIndexPosts } from "./support/jobs.ts";

// A bridge process with three slots runs jobs of 1.5 s each. SIGTERM
// arrives while three run: they finish and are acked, nothing new starts,
// and the process exits by itself with code 0, long before its 20 s
// shutdown deadline would cut the jobs off.

const jobMs = 1_500;
const slots = 3;
const jobCount = 12;

test("SIGTERM lets running jobs finish", async (t) => {
  const folder = await mkdtemp(join(tmpdir(), "axumkit-shutdown-"));
  const naming = uniqueNaming();
  const address = addressOf("index-post", naming);
  const connection = await connectTo(sharedNatsUrl);
  const jsm = await jetstreamManager(connection);
  let bridge: BridgeProcess | undefined;
  t.after(async () => {
    await bridge?.dispose();
    await deleteStreams(jsm, [address.stream, naming.deadLetterStream]);
    await connection.close();
    await rm(folder, { recursive: true, force: true });
  });

  bridge = await startBridgeProcess({
    servers: [sharedNatsUrl],
    naming,
    jobTypes: ["index-post"],
    folder,
    label: "bridge",
    env: {
      ACK_WAIT_MS: "5000",
      SHUTDOWN_TIMEOUT_MS: "20000",
      TEST_JOB_DELAY_MS: String(jobMs),
      TEST_CONCURRENCY: String(slots),
      TEST_BATCH_SIZE: "1",
    },
  });
  const running = bridge;
  await publishIndexPosts(
    jetstream(connection),
    address.subject,
    newPostIds(jobCount),
  );
  await eventually(
    async () =>
      functionRecords(await running.records(), "started").length >= slots,
  );

  running.child.kill("SIGTERM");
  const status = await exitOf(running);
  assert.equal(status.code, 0, running.output());
  assert.equal(status.signal, null);

  // Split the lines at the signal: the "stopping" line is written in the
  // signal handler itself.
  const records = await running.records();
  const stoppingAt = records.findIndex((line) => line.event === "stopping");
  assert.ok(stoppingAt >= 0, "the bridge recorded that it was stopping");
  const before = records.slice(0, stoppingAt);
  const after = records.slice(stoppingAt);
  const startedBefore = functionRecords(before, "started");
  const finishedBefore = functionRecords(before, "finished");
  const runningAtSignal = startedBefore.length - finishedBefore.length;
  assert.ok(runningAtSignal > 0, "jobs were running when SIGTERM arrived");

  assert.deepEqual(
    functionRecords(after, "started"),
    [],
    "no job started after SIGTERM",
  );
  const finished = functionRecords(records, "finished");
  assert.deepEqual(
    finished.map((line) => line.id).sort(),
    startedBefore.map((line) => line.id).sort(),
    "every started job finished",
  );
  const succeeded = records.filter((line) => line.event === "succeeded");
  assert.equal(succeeded.length, finished.length, "every finished job acked");
  assert.deepEqual(
    records.find((line) => line.event === "stopped"),
    { event: "stopped", unfinished: 0 },
    "nothing was left running at the shutdown deadline",
  );

  // Acked jobs are gone from the work queue, so none is redelivered. The
  // jobs never started wait there with no delivery pending.
  const stream = await jsm.streams.info(address.stream);
  assert.equal(stream.state.messages, jobCount - finished.length);
  for (const line of finished) {
    const sequence = Number(line.id.split(":").at(-1));
    const stored = await jsm.streams.getMessage(address.stream, {
      seq: sequence,
    });
    assert.equal(stored, null, `job ${line.id} is still in the stream`);
  }
  const consumer = await jsm.consumers.info(address.stream, address.consumer);
  assert.equal(consumer.num_ack_pending, 0);
});
