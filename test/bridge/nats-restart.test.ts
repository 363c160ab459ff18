import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { JobTypeName } from "../../lib/jobs/catalogue.ts";
import { addressOf, type JobAddress } from "../../lib/jobs/naming.ts";
import { eventually } from "../support/events.ts";
import {
  connectTo,
  startOwnNatsServer,
  uniqueNaming,
} from "../support/nats.ts";
import {
  type BridgeProcess,
  type ChildRecord,
  exitOf,
  functionRecords,
  startBridgeProcess,
} from "./support/bridge-process.ts";
import {
  indexPostPayload,
  newPostIds,
  postIdOf,
  publishIndexPosts,
  publishUntilStored,
} from "./support/jobs.ts";

// A bridge process on a nats-server the test owns, restarted on the same
// port: with its store while jobs drain, and under an idle bridge with and
// without its store. The idle bridge also meets a hung server and a
// deleted consumer. Waits are bounded only so a stuck bridge fails the
// test instead of hanging it.

interface Scenario {
  server: Awaited<ReturnType<typeof startOwnNatsServer>>;
  bridge: BridgeProcess;
  address: JobAddress;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

async function startScenario(
  t: TestContext,
  jobType: JobTypeName,
  env: Record<string, string>,
): Promise<Scenario> {
  const folder = await mkdtemp(join(tmpdir(), "axumkit-restart-"));
  const server = await startOwnNatsServer();
  const naming = uniqueNaming();
  let bridge: BridgeProcess | undefined;
  const connection = await connectTo(server.url);
  t.after(async () => {
    await bridge?.dispose();
    await connection.close();
    await server.dispose();
    await rm(folder, { recursive: true, force: true });
  });

  bridge = await startBridgeProcess({
    servers: [server.url],
    naming,
    jobTypes: [jobType],
    folder,
    label: "bridge",
    env: { ACK_WAIT_MS: "2000", ...env },
  });
  return {
    server,
    bridge,
    address: addressOf(jobType, naming),
    js: jetstream(connection),
    jsm: await jetstreamManager(connection),
  };
}

/** Waits until the work queue is empty and nothing awaits an ack. */
async function drained(scenario: Scenario): Promise<void> {
  const { jsm, address } = scenario;
  await eventually(async () => {
    const stream = await jsm.streams.info(address.stream);
    const consumer = await jsm.consumers.info(address.stream, address.consumer);
    return stream.state.messages === 0 && consumer.num_ack_pending === 0;
  }, 60_000);
}

function detailsOf(records: readonly ChildRecord[], event: string): string[] {
  return records.flatMap((line) =>
    line.event === event && "detail" in line ? [line.detail] : [],
  );
}

test("bridge drains across server restart", async (t) => {
  const scenario = await startScenario(t, "index-post", {
    TEST_JOB_DELAY_MS: "20",
    TEST_CONCURRENCY: "4",
    TEST_BATCH_SIZE: "5",
  });
  const { server, bridge, js, address } = scenario;
  const before = newPostIds(600);
  await publishIndexPosts(js, address.subject, before);

  await eventually(
    async () =>
      functionRecords(await bridge.records(), "finished").length >= 50,
  );
  await server.stop();
  const finishedAtStop = functionRecords(await bridge.records(), "finished");
  await server.restart();
  assert.ok(
    new Set(finishedAtStop.map(postIdOf)).size < before.length,
    "the server stopped before the bridge had drained the stream",
  );

  const after = newPostIds(200);
  for (const postId of after) {
    await publishUntilStored(
      js,
      address.subject,
      indexPostPayload(postId),
      postId,
    );
  }
  await drained(scenario);

  const records = await bridge.records();
  const ran = new Set(functionRecords(records, "finished").map(postIdOf));
  const lost = [...before, ...after].filter((postId) => !ran.has(postId));
  assert.deepEqual(lost, [], "every job ran");
  assert.ok(
    detailsOf(records, "connection.status").includes("reconnect"),
    "the bridge reconnected",
  );
  assert.ok(bridge.running, "the bridge outlived the restart");
});

/**
 * Runs `disrupt` under an idle bridge, then publishes one verification
 * email and waits for the bridge to run it. Returns the bridge's lines
 * from after the disruption began.
 */
async function disruptIdleBridge(
  t: TestContext,
  disrupt: (scenario: Scenario) => Promise<void>,
): Promise<ChildRecord[]> {
  // The production pull length, so heartbeats are as sparse as in use.
  const scenario = await startScenario(t, "email", {
    TEST_PULL_EXPIRES_MS: "10000",
  });
  const { bridge, js, address } = scenario;
  const linesBefore = (await bridge.records()).length;
  await disrupt(scenario);

  const token = randomUUID();
  const verification = {
    to: "ann@example.com",
    subject: "Verify your email address",
    template: {
      Verification: { username: "ann", token, valid_minutes: 60 },
    },
  };
  await publishUntilStored(
    js,
    address.subject,
    JSON.stringify(verification),
    token,
  );
  await eventually(
    async () =>
      functionRecords(await bridge.records(), "finished").some((line) =>
        JSON.stringify(line.job).includes(token),
      ),
    60_000,
  );
  await drained(scenario);
  assert.ok(bridge.running, "the bridge outlived the disruption");

  bridge.child.kill("SIGTERM");
  assert.equal((await exitOf(bridge)).code, 0, bridge.output());
  const records = (await bridge.records()).slice(linesBefore);
  for (const event of ["consumer.status", "pull.failed"]) {
    t.diagnostic(`${event}: ${detailsOf(records, event).join("; ")}`);
  }
  const ran = functionRecords(records, "finished");
  assert.equal(ran.length, 1, "the verification job ran once");
  assert.equal(ran[0]?.deliveryCount, 1);
  return records;
}

function assertReconnected(records: readonly ChildRecord[]): void {
  assert.ok(
    detailsOf(records, "connection.status").includes("reconnect"),
    "the bridge reconnected",
  );
}

function assertProvisioned(
  records: readonly ChildRecord[],
  kinds: readonly string[],
): void {
  const provisioned = detailsOf(records, "provisioned");
  for (const kind of kinds) {
    assert.ok(
      provisioned.some((detail) => detail.startsWith(`created ${kind}`)),
      `the bridge created the ${kind} again: ${provisioned.join("; ")}`,
    );
  }
}

test("F01 idle bridge survives server restart", async (t) => {
  const records = await disruptIdleBridge(t, async ({ server }) => {
    await server.stop();
    await server.restart();
  });
  assertReconnected(records);
});

test("F01 idle bridge survives missed heartbeats", async (t) => {
  // A hung server keeps the connection open, so no reconnect starts a new
  // pull: the bridge must notice the missing heartbeats by itself.
  const records = await disruptIdleBridge(t, async ({ server, bridge }) => {
    server.pause();
    try {
      await eventually(
        async () =>
          detailsOf(await bridge.records(), "consumer.status").includes(
            "heartbeats_missed",
          ),
        60_000,
      );
    } finally {
      server.resume();
    }
  });
  assert.ok(
    detailsOf(records, "pull.failed").length > 0,
    "the bridge gave up the silent pull and pulled again",
  );
});

test("F01 idle bridge survives server crash", async (t) => {
  const records = await disruptIdleBridge(t, async ({ server }) => {
    await server.kill();
    await server.restart();
  });
  assertReconnected(records);
});

test("F01 idle bridge survives store loss", async (t) => {
  const records = await disruptIdleBridge(t, async ({ server }) => {
    await server.kill();
    await rm(server.storeDir, { recursive: true, force: true });
    await server.restart();
  });
  assertReconnected(records);
  assertProvisioned(records, ["stream", "consumer"]);
});

test("F01 idle bridge survives consumer loss", async (t) => {
  const records = await disruptIdleBridge(
    t,
    async ({ server, jsm, address }) => {
      await server.stop();
      await server.restart();
      await eventually(async () => {
        try {
          return await jsm.consumers.delete(address.stream, address.consumer);
        } catch {
          // Not reconnected yet.
          return false;
        }
      });
    },
  );
  assertProvisioned(records, ["consumer"]);
  // A pull open at the deletion ends with a status, a pull after it fails.
  const reports = [
    ...detailsOf(records, "consumer.status"),
    ...detailsOf(records, "pull.failed"),
  ];
  assert.ok(
    reports.some((report) => /consumer.(not.found|deleted)/.test(report)),
    `the bridge saw the consumer missing: ${reports.join("; ")}`,
  );
});
