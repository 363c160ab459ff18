import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
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

/** A local HTTP server that responds to every request with 503. */
async function startUnavailableServer() {
  let requests = 0;
  const server = createServer((_request, response) => {
    requests += 1;
    response.writeHead(503, { "retry-after": "1" });
    response.end("Service Unavailable");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/send`,
    requestCount: () => requests,
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

test("F03 downstream 503 ends in the DLQ", async (t) => {
  const downstream = await startUnavailableServer();
  t.after(() => downstream.stop());
  const startedAt: number[] = [];
  const harness = await startTestBridge({
    jobType: "email",
    config: { retryBaseDelayMs: baseDelayMs, maxDeliver: 6 },
    process: async () => {
      startedAt.push(performance.now());
      const response = await fetch(downstream.url, { method: "POST" });
      await response.body?.cancel();
      if (!response.ok) {
        throw new Error(
          `mail provider returned ${response.status} ${response.statusText}`,
        );
      }
    },
  });
  t.after(() => harness.dispose());
  const retrying = collectEvents<{ delayMs: number; reason: string }>(
    harness.bridge.events,
    "job.retrying",
    5,
  );
  const deadLettered = waitForEvent(harness.bridge.events, "job.dead-lettered");

  await harness.js.publish(harness.address.subject, JSON.stringify(job));
  await deadLettered;

  assert.equal(startedAt.length, 6, "attempted six times");
  assert.equal(downstream.requestCount(), 6);
  const retries = await retrying;
  const expectedGaps = [1, 2, 4, 8, 16].map((factor) => factor * baseDelayMs);
  assert.deepEqual(
    retries.map((event) => event.delayMs),
    expectedGaps,
    "each nak carries the delay for its delivery",
  );
  for (const retry of retries) {
    assert.match(retry.reason, /503 Service Unavailable/);
  }
  // Only a lower bound: a busy machine makes gaps longer, never shorter
  // than the nak delay for which the server withholds the job.
  expectedGaps.forEach((expected, index) => {
    const gap = (startedAt[index + 1] ?? 0) - (startedAt[index] ?? 0);
    assert.ok(
      gap >= expected * (1 - tolerance),
      `gap ${index + 1} was ${gap.toFixed(0)} ms, expected at least ${expected} ms -20 %`,
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
  const consumer = await harness.jsm.consumers.info(
    harness.address.stream,
    harness.address.consumer,
  );
  assert.equal(consumer.num_pending, 0);
  assert.equal(consumer.num_ack_pending, 0);
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
