import assert from "node:assert/strict";
import { after, test } from "node:test";
import { jetstream } from "@nats-io/jetstream";
import { Bridge } from "../../lib/bridge/bridge.ts";
import { type BridgeEventMap, BridgeEvents } from "../../lib/bridge/events.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { collectEvents } from "../support/events.ts";
import { connectTo, sharedNatsUrl, testBridgeConfig } from "../support/nats.ts";
import { hangId, malformedId, throwId } from "./handlers/scripted-ids.ts";
import {
  deleteStreams,
  invokerOn,
  scriptedFunction,
  startEndpoint,
} from "./support.ts";

type Retrying = BridgeEventMap["job.retrying"][0];
type DeadLettered = BridgeEventMap["job.dead-lettered"][0];

// A thrown or timed-out invoke comes back from Lambda as status 200
// with FunctionError. Each is a retryable failure, nak'ed with a delay and
// never acked as success. Scaled down: a 2 s function timeout and two
// deliveries, so the second failure dead-letters the job as exhausted.
test("F14 function errors retried with delay, never acked", async () => {
  const endpoint = await startEndpoint([
    scriptedFunction("scripted-index-post", "index-post", { timeoutMs: 2_000 }),
  ]);
  const events = new BridgeEvents();
  const config = testBridgeConfig([sharedNatsUrl], ["index-post"], {
    maxDeliver: 2,
  });
  const bridge = await Bridge.start({
    config,
    events,
    invoker: invokerOn(endpoint, { "index-post": "scripted-index-post" }),
    jobTypeSettings: { "index-post": { batchSize: 1 } },
  });
  const connection = await connectTo(sharedNatsUrl);
  after(async () => {
    await bridge.stop();
    await deleteStreams(connection, config);
    await connection.close();
    await endpoint.close();
  });
  const succeeded: unknown[] = [];
  events.on("job.succeeded", (fields) => succeeded.push(fields));

  const retrying = collectEvents<Retrying>(events, "job.retrying", 3);
  const deadLettered = collectEvents<DeadLettered>(
    events,
    "job.dead-lettered",
    3,
  );
  const js = jetstream(connection);
  const subject = addressOf("index-post", config.naming).subject;
  const sequenceOf = new Map<number, string>();
  for (const [name, postId] of [
    ["throw", throwId],
    ["timeout", hangId],
    ["malformed", malformedId],
  ] as const) {
    const ack = await js.publish(
      subject,
      JSON.stringify({ post_id: postId, action: "Index" }),
    );
    sequenceOf.set(ack.seq, name);
  }

  const reasonOf = (fields: { sequence: number; reason: string }) =>
    [sequenceOf.get(fields.sequence), fields.reason] as const;
  const firstTries = new Map((await retrying).map(reasonOf));
  assert.match(
    firstTries.get("throw") ?? "",
    /^function error \(Unhandled\): TypeError: scripted throw$/,
  );
  assert.match(
    firstTries.get("timeout") ?? "",
    /Task timed out after 2\.00 seconds/,
  );
  assert.match(
    firstTries.get("malformed") ?? "",
    /^function returned a malformed result: failures: /,
  );
  for (const fields of await retrying) {
    assert.equal(fields.deliveryCount, 1);
    assert.equal(fields.delayMs, config.retryBaseDelayMs);
  }

  const exhausted = await deadLettered;
  for (const fields of exhausted) {
    assert.equal(fields.kind, "exhausted");
    assert.equal(fields.deliveryCount, 2);
  }
  assert.equal(succeeded.length, 0);

  // Each delivery reached the function once. The endpoint returned a
  // function error for the throw and the timeout, and a 200 with the
  // malformed result.
  const invocations = endpoint.invocations;
  assert.equal(invocations.length, 6);
  assert.ok(invocations.every((invocation) => invocation.status === 200));
  assert.equal(invocations.filter((i) => i.error === "Unhandled").length, 4);
});
