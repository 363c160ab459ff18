import assert from "node:assert/strict";
import { test } from "node:test";
import { PermanentJobError } from "../../lib/errors.ts";
import { readDeadLetters, storedCount } from "../support/dead-letters.ts";
import { collectEvents, waitForEvent } from "../support/events.ts";
import { startTestBridge } from "../support/test-bridge.ts";

// The retry schedule runs scaled down: a 100 ms base in place of 1 s, so
// the five naks wait 100, 200, 400, 800 and 1,600 ms.
const baseDelayMs = 100;
const tolerance = 0.2;

const job = {
  to: "ann@example.com",
  subject: "Verify",
  template: { Verification: { username: "ann", token: "t", valid_minutes: 5 } },
};

test("downstream 503 on every try ends in the DLQ", async (t) => {
  const startedAt: number[] = [];
  const harness = await startTestBridge({
    jobType: "email",
    config: { retryBaseDelayMs: baseDelayMs, maxDeliver: 6 },
    process: async () => {
      startedAt.push(performance.now());
      throw new Error("mail provider returned 503 Service Unavailable");
    },
  });
  t.after(() => harness.dispose());
  const retrying = collectEvents<{ delayMs: number }>(
    harness.bridge.events,
    "job.retrying",
    5,
  );
  const deadLettered = waitForEvent(harness.bridge.events, "job.dead-lettered");

  await harness.js.publish(harness.address.subject, JSON.stringify(job));
  await deadLettered;

  assert.equal(startedAt.length, 6, "attempted six times");
  const expectedGaps = [1, 2, 4, 8, 16].map((factor) => factor * baseDelayMs);
  assert.deepEqual(
    (await retrying).map((event) => event.delayMs),
    expectedGaps,
    "each nak carries the delay for its delivery",
  );
  expectedGaps.forEach((expected, index) => {
    const gap = (startedAt[index + 1] ?? 0) - (startedAt[index] ?? 0);
    assert.ok(
      Math.abs(gap - expected) <= expected * tolerance,
      `gap ${index + 1} was ${gap.toFixed(0)} ms, expected ${expected} ms ±20 %`,
    );
  });

  const [letter, ...others] = await readDeadLetters(
    harness.jsm,
    harness.config.naming.deadLetterStream,
  );
  assert.equal(others.length, 0);
  assert.equal(letter?.deliveryCount, 6);
  assert.equal(letter?.failureKind, "exhausted");
  assert.match(letter?.lastError ?? "", /503 Service Unavailable/);
  assert.equal(await storedCount(harness.jsm, harness.address.stream), 0);
});

test("permanent failure goes to the DLQ after one attempt", async (t) => {
  const harness = await startTestBridge({
    jobType: "email",
    config: { retryBaseDelayMs: baseDelayMs },
    process: async () => {
      throw new PermanentJobError("recipient address is blocked");
    },
  });
  t.after(() => harness.dispose());
  const deadLettered = waitForEvent(harness.bridge.events, "job.dead-lettered");

  await harness.js.publish(harness.address.subject, JSON.stringify(job));
  await deadLettered;

  assert.equal(harness.calls.length, 1);
  const [letter, ...others] = await readDeadLetters(
    harness.jsm,
    harness.config.naming.deadLetterStream,
  );
  assert.equal(others.length, 0);
  assert.equal(letter?.deliveryCount, 1);
  assert.equal(letter?.failureKind, "permanent");
  assert.equal(letter?.lastError, "recipient address is blocked");
  assert.equal(await storedCount(harness.jsm, harness.address.stream), 0);
});
