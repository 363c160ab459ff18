import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { addressOf, type JobAddress } from "../../lib/jobs/naming.ts";
import { freePort } from "../../lib/local/free-port.ts";
import { NatsServer } from "../../lib/local/nats-server.ts";
import { eventually } from "../support/events.ts";
import { connectTo, uniqueNaming } from "../support/nats.ts";
import {
  type BridgeProcess,
  countBy,
  exitOf,
  functionRecords,
  startBridgeProcess,
} from "./support/bridge-process.ts";
import { newPostIds, postIdOf, publishIndexPosts } from "./support/jobs.ts";

// A bridge process running jobs of 1.5 s in three slots is killed with
// SIGKILL. What it had not acked stays in the work queue, so a second
// bridge receives it again once `ack_wait` (2 s here) runs out, and runs
// the rest. No job is lost, and only the jobs in flight at the kill run
// twice.
//
// The server's own state decides which jobs were in flight: once it has
// closed the dead client's connection, no more acks can arrive, and the
// stream still stores exactly the unacked jobs.

const jobCount = 12;

test("kill -9 loses no job", async (t) => {
  const folder = await mkdtemp(join(tmpdir(), "axumkit-kill-"));
  const monitorPort = await freePort();
  const server = await NatsServer.start({
    storeDir: join(folder, "nats"),
    extraArgs: ["-m", String(monitorPort)],
  });
  const naming = uniqueNaming();
  const address = addressOf("index-post", naming);
  const bridges: BridgeProcess[] = [];
  let connection: NatsConnection | undefined;
  t.after(async () => {
    for (const bridge of bridges) await bridge.dispose();
    await connection?.close();
    await server.stop();
    await rm(folder, { recursive: true, force: true });
  });

  const start = async (label: string, jobMs: number) => {
    const bridge = await startBridgeProcess({
      servers: [server.url],
      naming,
      jobTypes: ["index-post"],
      folder,
      label,
      env: {
        ACK_WAIT_MS: "2000",
        TEST_JOB_DELAY_MS: String(jobMs),
        TEST_CONCURRENCY: "3",
        TEST_BATCH_SIZE: "1",
      },
    });
    bridges.push(bridge);
    return bridge;
  };

  const first = await start("first", 1_500);
  connection = await connectTo(server.url);
  const jsm = await jetstreamManager(connection);
  const postIds = newPostIds(jobCount);
  await publishIndexPosts(jetstream(connection), address.subject, postIds);

  // Kill during the second round, when some jobs are acked and some run.
  await eventually(
    async () => functionRecords(await first.records(), "started").length > 3,
  );
  assert.ok(await bridgeConnected(monitorPort), "the server lists the bridge");
  first.child.kill("SIGKILL");
  assert.equal((await exitOf(first)).signal, "SIGKILL");
  await eventually(async () => !(await bridgeConnected(monitorPort)));

  const unacked = await storedJobs(jsm, address);
  const consumer = await jsm.consumers.info(address.stream, address.consumer);
  const inFlight = new Set(
    [...unacked]
      .filter(([sequence]) => sequence <= consumer.delivered.stream_seq)
      .map(([, postId]) => postId),
  );
  assert.equal(inFlight.size, consumer.num_ack_pending);
  assert.ok(inFlight.size > 0, "jobs were in flight at the kill");
  assert.ok(unacked.size < jobCount, "the killed bridge had acked jobs");

  const second = await start("second", 0);
  await eventually(
    async () =>
      (await jsm.streams.info(address.stream)).state.messages === 0 &&
      (await jsm.consumers.info(address.stream, address.consumer))
        .num_ack_pending === 0,
    30_000,
  );
  second.child.kill("SIGTERM");
  assert.equal((await exitOf(second)).code, 0, second.output());

  // The second bridge ran exactly the jobs the first left unacked, once
  // each, and received the in-flight ones a second time.
  const secondRuns = functionRecords(await second.records(), "finished");
  const secondCounts = countBy(secondRuns, postIdOf);
  assert.deepEqual(
    [...secondCounts.keys()].sort(),
    [...unacked.values()].sort(),
  );
  for (const [postId, count] of secondCounts) {
    assert.equal(count, 1, `job ${postId} ran once on the second bridge`);
  }
  for (const line of secondRuns) {
    const redelivered = inFlight.has(postIdOf(line));
    assert.equal(
      line.deliveryCount > 1,
      redelivered,
      `job ${postIdOf(line)} delivery count ${line.deliveryCount}`,
    );
  }

  // Every job ran, and only the in-flight ones ran twice.
  const firstRuns = functionRecords(await first.records(), "started");
  const runs = countBy([...firstRuns, ...secondRuns], postIdOf);
  for (const postId of postIds) {
    const count = runs.get(postId) ?? 0;
    assert.ok(count >= 1, `job ${postId} was lost`);
    if (count > 1) {
      assert.ok(inFlight.has(postId), `job ${postId} ran ${count} times`);
    }
  }
});

/** Checks whether the server still lists a bridge connection. */
async function bridgeConnected(monitorPort: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${monitorPort}/connz`);
  const body = (await response.json()) as {
    connections: { name?: string }[];
  };
  return body.connections.some((each) => each.name === "axumkit-bridge");
}

/** Reads the jobs a work-queue stream still stores, by stream sequence. */
async function storedJobs(
  jsm: JetStreamManager,
  address: JobAddress,
): Promise<Map<number, string>> {
  const info = await jsm.streams.info(address.stream);
  const jobs = new Map<number, string>();
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const stored = await jsm.streams.getMessage(address.stream, { seq });
    if (stored === null) continue;
    jobs.set(seq, (stored.json() as { post_id: string }).post_id);
  }
  return jobs;
}
