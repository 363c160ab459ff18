import assert from "node:assert/strict";
import { test } from "node:test";
import type { BridgeEventMap } from "../../lib/bridge/events.ts";
import { NoStreamError, toPublishError } from "../../lib/bridge/no-stream.ts";
import { readDeadLetters } from "../support/dead-letters.ts";
import { waitForEvent } from "../support/events.ts";
import { startOwnNatsServer } from "../support/nats.ts";
import { startTestBridge } from "../support/test-bridge.ts";

type DeadLettered = BridgeEventMap["job.dead-lettered"][0];
type Provisioned = BridgeEventMap["provisioned"][0];

test("deleted dead-letter stream is recreated", async (t) => {
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
  const { address, js, jsm, bridge } = harness;
  const deadLetterStream = harness.config.naming.deadLetterStream;
  await jsm.streams.delete(deadLetterStream);

  const provisioned = waitForEvent<Provisioned>(bridge.events, "provisioned");
  const deadLettered = waitForEvent<DeadLettered>(
    bridge.events,
    "job.dead-lettered",
  );
  const { seq } = await js.publish(address.subject, "not json");

  const created = await provisioned;
  assert.equal(created.kind, "stream");
  assert.equal(created.name, deadLetterStream);
  assert.equal(created.action, "created");
  assert.equal((await deadLettered).sequence, seq);
  const letters = await readDeadLetters(jsm, deadLetterStream);
  assert.equal(letters.length, 1);
  assert.equal(letters[0]?.streamSequence, seq);
});

test("publish without stream names subject", async (t) => {
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

  const thrown = await harness.js.publish("no.stream.here", "x").then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(thrown instanceof Error);
  const mapped = toPublishError(thrown, "no.stream.here");
  assert.ok(mapped instanceof NoStreamError);
  assert.equal(mapped.message, "no stream captures subject no.stream.here");
  assert.equal(mapped.cause, thrown);

  const other = new Error("maximum messages exceeded");
  assert.equal(toPublishError(other, "no.stream.here"), other);
});
