import assert from "node:assert/strict";
import { after, test } from "node:test";
import { jetstream } from "@nats-io/jetstream";
import { Bridge } from "../../lib/bridge/bridge.ts";
import { type BridgeEventMap, BridgeEvents } from "../../lib/bridge/events.ts";
import type { JobTypeName } from "../../lib/jobs/catalogue.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import type { FaultRequest } from "../../lib/local/lambda-endpoint-faults.ts";
import { collectEvents } from "../support/events.ts";
import { connectTo, sharedNatsUrl, testBridgeConfig } from "../support/nats.ts";
import { plainId } from "./handlers/scripted-ids.ts";
import {
  deleteStreams,
  invokerOn,
  scriptedFunction,
  startEndpoint,
} from "./support.ts";

type Succeeded = BridgeEventMap["job.succeeded"][0];
type Throttled = BridgeEventMap["invoke.throttled"][0];

const jobType: JobTypeName = "index-post";
const functionName = "throttled-index-post";

/**
 * Runs 10 jobs through a function that rejects invokes as the fault says,
 * with `ack_wait` at 1.5 s so that a throttled batch without in-progress
 * acks would be redelivered.
 */
async function runThrottled(fault: FaultRequest) {
  const endpoint = await startEndpoint([
    scriptedFunction(functionName, jobType),
  ]);
  const events = new BridgeEvents();
  const config = testBridgeConfig([sharedNatsUrl], [jobType], {
    ackWaitMs: 1_500,
  });
  const bridge = await Bridge.start({
    config,
    events,
    invoker: invokerOn(endpoint, { [jobType]: functionName }),
    jobTypeSettings: { [jobType]: { batchSize: 5, batchWindowMs: 20 } },
    throttleRetry: { baseDelayMs: 100, maxDelayMs: 500, limitMs: 20_000 },
  });
  const connection = await connectTo(sharedNatsUrl);
  after(async () => {
    await bridge.stop();
    await deleteStreams(connection, config);
    await connection.close();
    await endpoint.close();
  });

  const throttled: Throttled[] = [];
  events.on("invoke.throttled", (fields) => throttled.push(fields));
  const retrying: unknown[] = [];
  events.on("job.retrying", (fields) => retrying.push(fields));
  const succeeded = collectEvents<Succeeded>(events, "job.succeeded", 10);

  endpoint.inject(functionName, fault);
  const js = jetstream(connection);
  const subject = addressOf(jobType, config.naming).subject;
  for (let n = 1; n <= 10; n++) {
    await js.publish(
      subject,
      JSON.stringify({ post_id: plainId(n), action: "Index" }),
    );
  }
  return { endpoint, succeeded: await succeeded, throttled, retrying };
}

test("429 throttles spend no delivery attempt", async () => {
  const { endpoint, succeeded, throttled, retrying } = await runThrottled({
    throttleForMs: 3_000,
  });

  assert.equal(succeeded.length, 10);
  assert.ok(succeeded.every((fields) => fields.deliveryCount === 1));
  assert.equal(retrying.length, 0);
  assert.ok(throttled.length > 0);
  assert.ok(
    throttled.every((fields) => /TooManyRequestsException/.test(fields.reason)),
  );

  // Every invoke was rejected until the throttling stopped, none after.
  const statuses = endpoint.invocations.map((i) => i.status);
  const lastRejected = statuses.lastIndexOf(429);
  const firstExecuted = endpoint.invocations.findIndex((i) => i.executed);
  assert.ok(lastRejected >= 0);
  assert.ok(firstExecuted > lastRejected);
  assert.ok(statuses.slice(firstExecuted).every((status) => status === 200));
});

test("EC2 and ENI errors spend no delivery attempt", async () => {
  const { endpoint, succeeded, throttled, retrying } = await runThrottled({
    serviceErrors: { count: 3, name: "EC2ThrottledException", status: 502 },
  });

  assert.equal(succeeded.length, 10);
  assert.ok(succeeded.every((fields) => fields.deliveryCount === 1));
  assert.equal(retrying.length, 0);
  assert.equal(throttled.length, 3);
  assert.match(
    throttled[0]?.reason ?? "",
    /EC2ThrottledException \(HTTP 502\)/,
  );
  const rejected = endpoint.invocations.filter((i) => i.status === 502);
  assert.equal(rejected.length, 3);
});
