import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type JetStreamClient, jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { Bridge } from "../../lib/bridge/bridge.ts";
import type { JobRecord } from "../../lib/contract.ts";
import { addressOf, type JobAddress } from "../../lib/jobs/naming.ts";
import type { NatsCluster } from "../../lib/local/nats-cluster.ts";
import { RecoveryLog, startTestCluster } from "../support/cluster.ts";
import { eventually, waitForEvent } from "../support/events.ts";
import { invokerFor, testHandler } from "../support/handlers.ts";
import { connectTo, testBridgeConfig } from "../support/nats.ts";

// An idle bridge holds a pull open at the consumer leader. When nodes
// restart, that pull dies silently: the bridge must notice (missed
// heartbeats, "consumer not found", "no responders" while the leader is
// elected), pull again, and run a job published afterwards.

// How long after its publish a job may take to run. The bridge's own
// delays add up to at most: two missed heartbeats of a 10 s pull (10 s),
// the longest pull retry back-off (5 s) and a reconnect wait (1 s).
const maxDelayAfterPublishMs = 20_000;

let cluster: NatsCluster & { dispose(): Promise<void> };
let bridge: Bridge;
let connection: NatsConnection;
let js: JetStreamClient;
let address: JobAddress;
const recovery = new RecoveryLog();
const handled: JobRecord[] = [];

before(async () => {
  cluster = await startTestCluster();
  const config = testBridgeConfig(cluster.urls, ["email"], { replicas: 3 });
  address = addressOf("email", config.naming);
  bridge = await Bridge.start({
    config,
    invoker: invokerFor({
      email: testHandler("email", async (_job, record) => {
        handled.push(record);
      }),
    }),
    // The production pull length, so heartbeats are as sparse as in use.
    pullExpiresMs: 10_000,
  });
  recovery.watch([bridge]);
  connection = await connectTo(cluster.urls);
  js = jetstream(connection);
});

after(async () => {
  await bridge?.stop();
  await connection?.close();
  await cluster?.dispose();
});

test("F01 idle bridge survives rolling restart", async () => {
  const troubleBefore = recovery.troubleCount;
  for (const node of cluster.nodes) {
    await node.server.stop();
    await node.server.restart();
    await cluster.waitUntilHealthy();
  }

  await publishAndExpectRun("after-rolling-restart");
  assert.ok(bridge.connected);
  assert.ok(
    recovery.troubleCount > troubleBefore,
    `no recovery event seen: ${JSON.stringify([...recovery.counts])}`,
  );
});

test("F01 idle bridge survives cluster crash", async () => {
  const troubleBefore = recovery.troubleCount;
  await Promise.all(cluster.nodes.map((node) => node.server.kill()));
  await Promise.all(cluster.nodes.map((node) => node.server.restart()));
  await cluster.waitUntilHealthy();

  await publishAndExpectRun("after-full-restart");
  assert.ok(bridge.connected);
  assert.ok(
    recovery.troubleCount > troubleBefore,
    `no recovery event seen: ${JSON.stringify([...recovery.counts])}`,
  );
});

async function publishAndExpectRun(token: string): Promise<void> {
  const succeeded = waitForEvent<{ subject: string; sequence: number }>(
    bridge.events,
    "job.succeeded",
    () => true,
    maxDelayAfterPublishMs + 30_000,
  );
  const sequence = await publishVerification(token);

  const event = await Promise.race([
    succeeded,
    new Promise<never>((_resolve, reject) =>
      setTimeout(
        () =>
          reject(
            new Error(
              `job ${sequence} not run within ${maxDelayAfterPublishMs} ms of its publish; events: ${JSON.stringify([...recovery.counts])}`,
            ),
          ),
        maxDelayAfterPublishMs,
      ).unref(),
    ),
  ]);
  assert.equal(event.sequence, sequence);
  assert.equal(handled.at(-1)?.id, `${address.stream}:${sequence}`);
}

/**
 * Publishes one verification email job, retrying while the stream has no
 * leader; the message id keeps a retried publish from storing it twice.
 */
async function publishVerification(token: string): Promise<number> {
  const payload = JSON.stringify({
    to: "ada@example.com",
    subject: "Verify your email",
    template: {
      Verification: { username: "ada", token, valid_minutes: 30 },
    },
  });
  let sequence = 0;
  await eventually(async () => {
    try {
      const ack = await js.publish(address.subject, payload, {
        msgID: token,
        timeout: 2_000,
      });
      sequence = ack.seq;
      return true;
    } catch {
      // No stream leader yet: the publish has no responder or times out.
      return false;
    }
  }, 30_000);
  return sequence;
}
