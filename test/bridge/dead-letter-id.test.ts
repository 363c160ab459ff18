import assert from "node:assert/strict";
import { test } from "node:test";
import {
  deadLetterIdOf,
  publishDeadLetter,
  timestampNanosOf,
} from "../../lib/bridge/dead-letter.ts";
import type { BridgeEventMap } from "../../lib/bridge/events.ts";
import { provisionJobType } from "../../lib/bridge/provision.ts";
import { readDeadLetters } from "../support/dead-letters.ts";
import { waitForEvent } from "../support/events.ts";
import { startOwnNatsServer } from "../support/nats.ts";
import { startTestBridge } from "../support/test-bridge.ts";

type DeadLettered = BridgeEventMap["job.dead-lettered"][0];
type Duplicate = BridgeEventMap["dead-letter.duplicate"][0];

const job = {
  to: "ann@example.com",
  subject: "Verify",
  template: { Verification: { username: "ann", token: "t", valid_minutes: 5 } },
};

test("recreated stream keeps both dead letters", async (t) => {
  const server = await startOwnNatsServer();
  let dispose = () => server.dispose();
  t.after(() => dispose());
  const harness = await startTestBridge({
    jobType: "email",
    servers: [server.url],
    process: async () => {},
  });
  dispose = async () => {
    await harness.dispose();
    await server.dispose();
  };
  const { address, js, jsm, config, bridge } = harness;

  // Invalid payloads are dead-lettered on their first delivery.
  const first = waitForEvent<DeadLettered>(bridge.events, "job.dead-lettered");
  await js.publish(address.subject, "not json A");
  assert.equal((await first).sequence, 1);

  // A recreated stream numbers its messages from 1 again.
  await jsm.streams.delete(address.stream);
  await provisionJobType(jsm, "email", config, undefined, "create-missing");
  const second = waitForEvent<DeadLettered>(bridge.events, "job.dead-lettered");
  const { seq } = await js.publish(address.subject, "not json B");
  assert.equal(seq, 1);
  assert.equal((await second).sequence, 1);

  const letters = await readDeadLetters(jsm, config.naming.deadLetterStream);
  const payloads = letters.map(({ data }) => Buffer.from(data).toString());
  assert.deepEqual(payloads, ["not json A", "not json B"]);
});

test("same job dead letter is duplicate", async (t) => {
  const server = await startOwnNatsServer();
  let dispose = () => server.dispose();
  t.after(() => dispose());
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let markStarted = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const harness = await startTestBridge({
    jobType: "email",
    servers: [server.url],
    config: { maxDeliver: 1 },
    process: async () => {
      markStarted();
      await gate;
      throw new Error("mail provider returned 503 Service Unavailable");
    },
  });
  dispose = async () => {
    release();
    await harness.dispose();
    await server.dispose();
  };
  const { address, js, jsm, bridge } = harness;
  const { seq } = await js.publish(address.subject, JSON.stringify(job));
  await started;

  // The id from the stored message, as the max-deliveries path reads it.
  const stored = await jsm.streams.getMessage(address.stream, { seq });
  assert.ok(stored !== null);
  const timestampNanos = timestampNanosOf(stored.timestamp);
  const deadLetter = {
    address,
    message: {
      subject: stored.subject,
      seq,
      data: stored.data,
      info: { deliveryCount: 1, timestampNanos },
    },
    kind: "exhausted" as const,
    reason: "stored before a crash",
  };
  const published = await publishDeadLetter(js, deadLetter, async () => {
    throw new Error("the dead-letter stream exists");
  });
  assert.equal(published.duplicate, false);
  assert.equal(
    published.messageId,
    deadLetterIdOf(address.stream, seq, timestampNanos),
  );

  // The bridge's own dead letter, with the delivered message's time, is
  // the same id: the stream drops it and the bridge reports it.
  const duplicate = waitForEvent<Duplicate>(
    bridge.events,
    "dead-letter.duplicate",
  );
  const deadLettered = waitForEvent<DeadLettered>(
    bridge.events,
    "job.dead-lettered",
  );
  release();
  assert.equal((await duplicate).messageId, published.messageId);
  assert.equal((await deadLettered).sequence, seq);
  const letters = await readDeadLetters(
    jsm,
    harness.config.naming.deadLetterStream,
  );
  assert.equal(letters.length, 1);
  assert.equal(letters[0]?.lastError, "stored before a crash");
  assert.throws(() => timestampNanosOf("yesterday"), /invalid stored/);
});
