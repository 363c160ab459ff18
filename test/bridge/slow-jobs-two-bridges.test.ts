import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { eventually } from "../support/events.ts";
import { startTestBridge } from "../support/test-bridge.ts";

// Slow functions, scaled down: `ack_wait` 1 s in place of 30 s, functions
// running 0.9 to 3 times `ack_wait`, ten queued jobs, two bridges with two
// slots each. A bridge that pulled more than it can start would let the
// extra jobs' `ack_wait` run out in its buffer, and the other bridge would
// run them a second time.

const ackWaitMs = 1_000;
const jobCount = 10;

function runtimeOf(index: number): number {
  const factor = 0.9 + (2.1 * index) / (jobCount - 1);
  return Math.round(factor * ackWaitMs);
}

test("slow jobs on two bridges each take effect once", async (t) => {
  const effects = new Map<string, number>();
  let running = 0;
  let maxRunning = 0;
  const harness = await startTestBridge({
    jobType: "email",
    config: { ackWaitMs },
    settings: { concurrency: 2, batchSize: 1 },
    process: async (job) => {
      const { subject } = job as { subject: string };
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(runtimeOf(Number(subject)));
      running--;
      effects.set(subject, (effects.get(subject) ?? 0) + 1);
    },
  });
  t.after(() => harness.dispose());
  const replica = await harness.startReplica();
  const succeeded = [harness.bridge, replica].map((bridge) => {
    const seen: unknown[] = [];
    bridge.events.on("job.succeeded", (fields) => seen.push(fields));
    return seen;
  });

  for (let index = 0; index < jobCount; index++) {
    const job = {
      to: "ann@example.com",
      subject: String(index),
      template: { Custom: { html_content: "<p>slow</p>" } },
    };
    await harness.js.publish(harness.address.subject, JSON.stringify(job));
  }
  await eventually(() => succeeded.flat().length === jobCount, 30_000);

  for (let index = 0; index < jobCount; index++) {
    assert.equal(
      effects.get(String(index)),
      1,
      `job ${index} took effect once`,
    );
  }
  assert.equal(harness.calls.length, jobCount);
  assert.ok(
    harness.calls.every((record) => record.deliveryCount === 1),
    "no job was delivered twice",
  );
  assert.ok(
    succeeded.every((seen) => seen.length > 0),
    "both bridges ran jobs",
  );
  assert.ok(
    maxRunning <= 4,
    `at most 2 + 2 jobs ran at once, saw ${maxRunning}`,
  );
  const consumer = await harness.jsm.consumers.info(
    harness.address.stream,
    harness.address.consumer,
  );
  assert.equal(consumer.num_redelivered, 0);
  assert.equal(consumer.num_ack_pending, 0);
});
