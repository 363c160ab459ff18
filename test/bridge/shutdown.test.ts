import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import {
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { addressOf, type JobAddress } from "../../lib/jobs/naming.ts";
import { deleteStreams } from "../support/dead-letters.ts";
import { eventually } from "../support/events.ts";
import { connectTo, sharedNatsUrl, uniqueNaming } from "../support/nats.ts";
import {
  type BridgeProcess,
  type ChildRecord,
  exitOf,
  functionRecords,
  startBridgeProcess,
} from "./support/bridge-process.ts";
import { newPostIds, publishIndexPosts } from "./support/jobs.ts";

// A bridge process with three slots runs slow jobs, and SIGTERM arrives
// while three run. Within the shutdown deadline they finish and are acked.
// Past it the process leaves them unacked for the server to redeliver.
// Either way nothing new starts and the process exits by itself with
// code 0.

const slots = 3;
const jobCount = 12;

interface Shutdown {
  records: ChildRecord[];
  /** Lines written before the signal. */
  before: ChildRecord[];
  /** Lines written from the signal on. */
  after: ChildRecord[];
  jsm: JetStreamManager;
  address: JobAddress;
}

/** Sends SIGTERM to a bridge process while `slots` jobs run. */
async function signalWhileRunning(
  t: TestContext,
  jobMs: number,
  shutdownTimeoutMs: number,
): Promise<Shutdown> {
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
      SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
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
  const runningAtSignal =
    functionRecords(before, "started").length -
    functionRecords(before, "finished").length;
  assert.ok(runningAtSignal > 0, "jobs were running when SIGTERM arrived");
  assert.deepEqual(
    functionRecords(after, "started"),
    [],
    "no job started after SIGTERM",
  );
  return { records, before, after, jsm, address };
}

test("SIGTERM lets running jobs finish", async (t) => {
  const { records, before, jsm, address } = await signalWhileRunning(
    t,
    1_500,
    20_000,
  );

  const finished = functionRecords(records, "finished");
  assert.deepEqual(
    finished.map((line) => line.id).sort(),
    functionRecords(before, "started")
      .map((line) => line.id)
      .sort(),
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

test("SIGTERM past deadline leaves jobs unacked", async (t) => {
  const { records, after, jsm, address } = await signalWhileRunning(
    t,
    60_000,
    300,
  );

  const cutOff = functionRecords(records, "started");
  assert.equal(cutOff.length, slots);
  assert.deepEqual(functionRecords(records, "finished"), []);
  assert.deepEqual(
    after.find((line) => line.event === "stopped"),
    { event: "stopped", unfinished: slots },
    "the shutdown deadline cut the running jobs off",
  );

  // The cut-off jobs stay in the work queue, delivered and unacked, so the
  // server redelivers them once `ack_wait` runs out.
  const stream = await jsm.streams.info(address.stream);
  assert.equal(stream.state.messages, jobCount);
  const consumer = await jsm.consumers.info(address.stream, address.consumer);
  assert.equal(consumer.num_ack_pending, slots);
});
