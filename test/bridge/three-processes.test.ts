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
  countBy,
  exitOf,
  functionRecords,
  startBridgeProcess,
} from "./support/bridge-process.ts";
import { newPostIds, postIdOf, publishIndexPosts } from "./support/jobs.ts";

// Three bridge processes, started together, share the index-post consumer.
// With nothing failing, each of 3,000 jobs runs exactly once over the
// three, and every process takes part.

const jobCount = 3_000;
const processCount = 3;

test("three bridges run each job once", async (t) => {
  const folder = await mkdtemp(join(tmpdir(), "axumkit-three-"));
  const naming = uniqueNaming();
  const address = addressOf("index-post", naming);
  const connection = await connectTo(sharedNatsUrl);
  const jsm = await jetstreamManager(connection);
  const bridges: BridgeProcess[] = [];
  t.after(async () => {
    await Promise.all(bridges.map((bridge) => bridge.dispose()));
    await deleteStreams(jsm, [address.stream, naming.deadLetterStream]);
    await connection.close();
    await rm(folder, { recursive: true, force: true });
  });

  // Each start is awaited for itself, so one that fails still leaves the
  // others in `bridges` for the cleanup.
  const starts = Array.from({ length: processCount }, async (_, index) => {
    const bridge = await startBridgeProcess({
      servers: [sharedNatsUrl],
      naming,
      jobTypes: ["index-post"],
      folder,
      label: `bridge-${index}`,
      env: { TEST_JOB_DELAY_MS: "2" },
    });
    bridges.push(bridge);
  });
  await Promise.all(starts);

  const postIds = newPostIds(jobCount);
  await publishIndexPosts(jetstream(connection), address.subject, postIds);
  await eventually(async () => {
    const stream = await jsm.streams.info(address.stream);
    const consumer = await jsm.consumers.info(address.stream, address.consumer);
    return stream.state.messages === 0 && consumer.num_ack_pending === 0;
  }, 120_000);

  for (const bridge of bridges) bridge.child.kill("SIGTERM");
  for (const bridge of bridges) {
    assert.equal((await exitOf(bridge)).code, 0, bridge.output());
  }

  const runsPerBridge = await Promise.all(
    bridges.map(async (bridge) =>
      functionRecords(await bridge.records(), "started"),
    ),
  );
  for (const [index, runs] of runsPerBridge.entries()) {
    assert.ok(runs.length > 0, `bridge ${index} ran no job`);
  }
  const runs = runsPerBridge.flat();
  const counts = countBy(runs, postIdOf);
  const notOnce = postIds.filter((postId) => counts.get(postId) !== 1);
  assert.deepEqual(notOnce, [], "jobs that did not run exactly once");
  assert.equal(runs.length, jobCount);
  assert.ok(
    runs.every((line) => line.deliveryCount === 1),
    "no job was delivered twice",
  );
  t.diagnostic(
    `jobs per bridge: ${runsPerBridge.map((each) => each.length).join(", ")}`,
  );
});
