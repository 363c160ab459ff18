import assert from "node:assert/strict";
import { after, test } from "node:test";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Bridge } from "../../lib/bridge/bridge.ts";
import { type BridgeEventMap, BridgeEvents } from "../../lib/bridge/events.ts";
import { provision } from "../../lib/bridge/provision.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { collectEvents } from "../support/events.ts";
import { connectTo, sharedNatsUrl, testBridgeConfig } from "../support/nats.ts";
import { permanentId, plainId, retryOnceId } from "./handlers/scripted-ids.ts";
import {
  deleteStreams,
  invokerOn,
  scriptedFunction,
  startEndpoint,
} from "./support.ts";

type Succeeded = BridgeEventMap["job.succeeded"][0];
type Retrying = BridgeEventMap["job.retrying"][0];
type DeadLettered = BridgeEventMap["job.dead-lettered"][0];
type InvokeCompleted = BridgeEventMap["invoke.completed"][0];

test("batch of 25 settles each record by the result", async () => {
  const endpoint = await startEndpoint([
    scriptedFunction("batch-index-post", "index-post"),
  ]);
  const events = new BridgeEvents();
  const config = testBridgeConfig([sharedNatsUrl], ["index-post"]);
  const connection = await connectTo(sharedNatsUrl);
  const bridgeOptions = {
    config,
    events,
    invoker: invokerOn(endpoint, { "index-post": "batch-index-post" }),
    jobTypeSettings: {
      "index-post": { concurrency: 1, batchSize: 25, batchWindowMs: 1_000 },
    },
  };
  let bridge: Bridge | undefined;
  after(async () => {
    await bridge?.stop();
    await deleteStreams(connection, config);
    await connection.close();
    await endpoint.close();
  });

  // Publish all 25 before the bridge starts, so its first pull takes them
  // as one batch.
  const plainIds = Array.from({ length: 22 }, (_, n) => plainId(n + 1));
  const postIds = [...plainIds, permanentId(1), permanentId(2), retryOnceId(1)];
  await provision(await jetstreamManager(connection), config);
  const js = jetstream(connection);
  const subject = addressOf("index-post", config.naming).subject;
  const postIdOf = new Map<number, string>();
  for (const postId of postIds) {
    const ack = await js.publish(
      subject,
      JSON.stringify({ post_id: postId, action: "Index" }),
    );
    postIdOf.set(ack.seq, postId);
  }

  const succeeded = collectEvents<Succeeded>(events, "job.succeeded", 23);
  const retrying = collectEvents<Retrying>(events, "job.retrying", 1);
  const deadLettered = collectEvents<DeadLettered>(
    events,
    "job.dead-lettered",
    2,
  );
  const invokes = collectEvents<InvokeCompleted>(events, "invoke.completed", 2);
  bridge = await Bridge.start(bridgeOptions);

  const [firstInvoke, secondInvoke] = await invokes;
  assert.equal(firstInvoke?.batchSize, 25);
  assert.equal(secondInvoke?.batchSize, 1);
  assert.ok(firstInvoke?.requestId);

  const acked = await succeeded;
  const firstDelivery = acked.filter((fields) => fields.deliveryCount === 1);
  assert.deepEqual(
    firstDelivery.map((fields) => postIdOf.get(fields.sequence)).sort(),
    plainIds,
  );

  const [retried] = await retrying;
  assert.equal(postIdOf.get(retried?.sequence ?? 0), retryOnceId(1));
  assert.equal(retried?.delayMs, config.retryBaseDelayMs);
  const redelivered = acked.filter((fields) => fields.deliveryCount === 2);
  assert.deepEqual(
    redelivered.map((fields) => postIdOf.get(fields.sequence)),
    [retryOnceId(1)],
  );

  const dead = await deadLettered;
  assert.deepEqual(dead.map((fields) => postIdOf.get(fields.sequence)).sort(), [
    permanentId(1),
    permanentId(2),
  ]);
  assert.ok(dead.every((fields) => fields.kind === "permanent"));
  assert.ok(dead.every((fields) => /can never be indexed/.test(fields.reason)));
});
