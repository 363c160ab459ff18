import assert from "node:assert/strict";
import { after, test } from "node:test";
import { jetstream } from "@nats-io/jetstream";
import { Bridge } from "../../lib/bridge/bridge.ts";
import { type BridgeEventMap, BridgeEvents } from "../../lib/bridge/events.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { waitForEvent } from "../support/events.ts";
import { connectTo, sharedNatsUrl, testBridgeConfig } from "../support/nats.ts";
import { slowId } from "./handlers/scripted-ids.ts";
import {
  deleteStreams,
  invokerOn,
  scriptedFunction,
  startEndpoint,
} from "./support.ts";

type Retrying = BridgeEventMap["job.retrying"][0];
type DeadLettered = BridgeEventMap["job.dead-lettered"][0];

// A function that outlives the client's timeout (in the field 90 s
// against a 60 s socket timeout; scaled down here to a 3 s function and a
// 2 s client timeout). The SDK must not send the invoke again on its own:
// JetStream redelivery is the only retry, so each delivery runs once.
test("F16 client timeout: one execution per delivery", async () => {
  const endpoint = await startEndpoint([
    scriptedFunction("slow-index-post", "index-post", {
      timeoutMs: 10_000,
      env: { SCRIPT_JOB_TYPE: "index-post", SCRIPT_SLOW_MS: "3000" },
    }),
  ]);
  const events = new BridgeEvents();
  const config = testBridgeConfig([sharedNatsUrl], ["index-post"], {
    maxDeliver: 2,
  });
  const bridge = await Bridge.start({
    config,
    events,
    invoker: invokerOn(
      endpoint,
      { "index-post": "slow-index-post" },
      { invokeTimeoutMs: { "index-post": 2_000 } },
    ),
    jobTypeSettings: { "index-post": { batchSize: 1 } },
  });
  const connection = await connectTo(sharedNatsUrl);
  after(async () => {
    await bridge.stop();
    await deleteStreams(connection, config);
    await connection.close();
    await endpoint.close();
  });

  const retrying = waitForEvent<Retrying>(events, "job.retrying");
  const deadLettered = waitForEvent<DeadLettered>(events, "job.dead-lettered");
  const js = jetstream(connection);
  await js.publish(
    addressOf("index-post", config.naming).subject,
    JSON.stringify({ post_id: slowId, action: "Index" }),
  );

  const firstFailure = await retrying;
  assert.equal(firstFailure.deliveryCount, 1);
  assert.match(
    firstFailure.reason,
    /invoke timed out on the client after 2000 ms/,
  );
  const exhausted = await deadLettered;
  assert.equal(exhausted.deliveryCount, 2);
  assert.equal(exhausted.kind, "exhausted");

  // Both executions run to their end (3 s each) although the client left.
  while (endpoint.invocations.length < 2) {
    await waitForEvent(endpoint.events, "invocation", () => true, 10_000);
  }
  const invocations = endpoint.invocations;
  assert.equal(invocations.length, 2);
  assert.deepEqual(
    invocations.map((invocation) => invocation.deliveryCounts),
    [[1], [2]],
  );
  assert.ok(invocations.every((invocation) => invocation.executed));
  const requestIds = new Set(invocations.map((i) => i.requestId));
  assert.equal(requestIds.size, 2);
});
