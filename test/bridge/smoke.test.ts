import assert from "node:assert/strict";
import { after, test } from "node:test";
import { jetstream } from "@nats-io/jetstream";
import { Bridge } from "../../lib/bridge/bridge.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { collectEvents } from "../support/events.ts";
import { CallLog, invokerFor, testHandler } from "../support/handlers.ts";
import { connectTo, sharedNatsUrl, testBridgeConfig } from "../support/nats.ts";

test("bridge acks valid jobs and dead-letters invalid ones", async () => {
  const calls = new CallLog();
  const config = testBridgeConfig([sharedNatsUrl], ["index-post"]);
  const bridge = await Bridge.start({
    config,
    invoker: invokerFor({
      "index-post": testHandler("index-post", async (_job, record) => {
        calls.records.push(record);
      }),
    }),
  });
  const connection = await connectTo(sharedNatsUrl);
  after(async () => {
    await bridge.stop();
    await connection.close();
  });

  const address = addressOf("index-post", config.naming);
  const succeeded = collectEvents(bridge.events, "job.succeeded", 2);
  const deadLettered = collectEvents(bridge.events, "job.dead-lettered", 1);
  const js = jetstream(connection);
  const id = "0190a4f2-1b2c-7d3e-8f40-123456789abc";
  await js.publish(
    address.subject,
    JSON.stringify({ post_id: id, action: "Index" }),
  );
  await js.publish(
    address.subject,
    JSON.stringify({ post_id: id, action: "Delete" }),
  );
  await js.publish(
    address.subject,
    JSON.stringify({ post_id: id, action: "index" }),
  );

  assert.equal((await succeeded).length, 2);
  const [dead] = (await deadLettered) as { reason: string }[];
  assert.match(dead?.reason ?? "", /^action: /);
  assert.equal(calls.records.length, 2);
});
