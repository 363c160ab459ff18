import assert from "node:assert/strict";
import { test } from "node:test";
import { DiscardPolicy } from "@nats-io/jetstream";
import type { BridgeEventMap } from "../../lib/bridge/events.ts";
import { advisoryReason } from "../../lib/bridge/max-deliveries.ts";
import { readDeadLetters, storedCount } from "../support/dead-letters.ts";
import { collectEvents, waitForEvent } from "../support/events.ts";
import { startOwnNatsServer } from "../support/nats.ts";
import { startTestBridge } from "../support/test-bridge.ts";

type DeadLettered = BridgeEventMap["job.dead-lettered"][0];
type Succeeded = BridgeEventMap["job.succeeded"][0];
type AdvisoryIgnored = BridgeEventMap["advisory.ignored"][0];

const job = {
  to: "ann@example.com",
  subject: "Verify",
  template: { Verification: { username: "ann", token: "t", valid_minutes: 5 } },
};

test("rejected last dead letter still stored", async (t) => {
  const server = await startOwnNatsServer();
  // node:test runs after hooks in the order they were added, and the
  // bridge must stop before its server does.
  let dispose = () => server.dispose();
  t.after(() => dispose());
  const harness = await startTestBridge({
    jobType: "email",
    servers: [server.url],
    config: { retryBaseDelayMs: 50, maxDeliver: 2 },
    process: async () => {
      throw new Error("mail provider returned 503 Service Unavailable");
    },
  });
  dispose = async () => {
    await harness.dispose();
    await server.dispose();
  };
  const { jsm, address } = harness;
  const deadLetterStream = harness.config.naming.deadLetterStream;

  // A full dead-letter stream that discards new messages rejects the dead
  // letter on the last delivery, so the bridge naks a job the server will
  // not deliver again.
  await jsm.streams.update(deadLetterStream, {
    max_msgs: 1,
    discard: DiscardPolicy.New,
  });
  await harness.js.publish(`${address.deadLetterSubject}-filler`, "filler");

  // The first failure is the bridge's on the last delivery, the second the
  // advisory handler's first try. Then the stream accepts messages again.
  const failures: BridgeEventMap["dead-letter.failed"][0][] = [];
  harness.bridge.events.on("dead-letter.failed", (event) => {
    failures.push(event);
    if (failures.length === 2) {
      void jsm.streams
        .purge(deadLetterStream)
        .then(() => jsm.streams.update(deadLetterStream, { max_msgs: -1 }));
    }
  });
  const deadLettered = waitForEvent<DeadLettered>(
    harness.bridge.events,
    "job.dead-lettered",
  );

  await harness.js.publish(address.subject, JSON.stringify(job));
  const dead = await deadLettered;

  assert.equal(harness.calls.length, 2);
  assert.ok(failures.length >= 2);
  assert.ok(failures.every((failure) => failure.sequence === 1));
  assert.equal(dead.sequence, 1);
  assert.equal(dead.kind, "exhausted");
  assert.equal(dead.reason, advisoryReason);

  const [letter, ...others] = await readDeadLetters(jsm, deadLetterStream);
  assert.equal(others.length, 0);
  assert.equal(letter?.streamSequence, 1);
  assert.equal(letter?.deliveryCount, 2);
  assert.equal(letter?.failureKind, "exhausted");
  assert.equal(letter?.lastError, advisoryReason);
  assert.deepEqual(JSON.parse(Buffer.from(letter?.data ?? []).toString()), job);

  assert.equal(await storedCount(jsm, address.stream), 0);
  const consumer = await jsm.consumers.info(address.stream, address.consumer);
  assert.equal(consumer.num_pending, 0);
  assert.equal(consumer.num_ack_pending, 0);
});

test("malformed advisory keeps bridge reading", async (t) => {
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
  const { address, connection } = harness;
  const advisorySubject = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${address.stream}.${address.consumer}`;
  const ignored = collectEvents<AdvisoryIgnored>(
    harness.bridge.events,
    "advisory.ignored",
    3,
  );

  connection.publish(advisorySubject, "not json");
  connection.publish(advisorySubject, "null");
  connection.publish(advisorySubject, JSON.stringify({ stream_seq: "1" }));
  const reasons = (await ignored).map(({ reason }) => reason);
  assert.deepEqual(reasons, [
    "advisory is not valid JSON",
    "advisory is not a JSON object",
    "advisory has no stream or consumer name",
  ]);

  // Had the callback thrown, nats.js would stop reading the socket and
  // this job would never be delivered.
  const succeeded = waitForEvent<Succeeded>(
    harness.bridge.events,
    "job.succeeded",
  );
  const { seq } = await harness.js.publish(
    address.subject,
    JSON.stringify(job),
  );
  assert.equal((await succeeded).sequence, seq);
});

test("forged advisory leaves running job", async (t) => {
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
    config: { maxDeliver: 3 },
    process: () => {
      markStarted();
      return gate;
    },
  });
  dispose = async () => {
    release();
    await harness.dispose();
    await server.dispose();
  };
  const { address, connection, jsm } = harness;
  const advisorySubject = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${address.stream}.${address.consumer}`;
  const forge = (fields: Record<string, unknown>) =>
    connection.publish(
      advisorySubject,
      JSON.stringify({
        stream: address.stream,
        consumer: address.consumer,
        ...fields,
      }),
    );

  const { seq } = await harness.js.publish(
    address.subject,
    JSON.stringify(job),
  );
  await started;

  const ignored = collectEvents<AdvisoryIgnored>(
    harness.bridge.events,
    "advisory.ignored",
    4,
  );
  forge({ stream_seq: seq, deliveries: 1 });
  forge({ stream_seq: seq, deliveries: 3, stream: "OTHER" });
  forge({ stream_seq: seq, deliveries: 3 });
  forge({ stream_seq: seq + 1, deliveries: 3 });
  const reasons = (await ignored).map(({ reason }) => reason);
  assert.deepEqual(reasons, [
    "advisory deliveries is below max_deliver",
    "advisory names another stream or consumer",
    "the job is in flight in this bridge",
    "the consumer has not delivered the job yet",
  ]);

  const succeeded = waitForEvent<Succeeded>(
    harness.bridge.events,
    "job.succeeded",
  );
  release();
  assert.equal((await succeeded).sequence, seq);
  const deadLetterStream = harness.config.naming.deadLetterStream;
  assert.equal(await storedCount(jsm, deadLetterStream), 0);
});
