import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { waitForEvent } from "../support/events.ts";
import { startTestBridge } from "../support/test-bridge.ts";

// A job that runs past `ack_wait` stays with its bridge because the bridge
// sends in-progress acks every third of `ack_wait`.

const job = { storage_keys: ["posts/a"] };

test("job three times longer than ack_wait runs once", async (t) => {
  const ackWaitMs = 1_000;
  const harness = await startTestBridge({
    jobType: "delete-content",
    config: { ackWaitMs },
    process: () => sleep(3 * ackWaitMs),
  });
  t.after(() => harness.dispose());
  const succeeded = waitForEvent<{ deliveryCount: number }>(
    harness.bridge.events,
    "job.succeeded",
  );

  await harness.js.publish(harness.address.subject, JSON.stringify(job));

  assert.equal((await succeeded).deliveryCount, 1);
  assert.equal(harness.calls.length, 1);
  const consumer = await harness.jsm.consumers.info(
    harness.address.stream,
    harness.address.consumer,
  );
  assert.equal(consumer.num_redelivered, 0);
  assert.equal(consumer.num_ack_pending, 0);
});

test("five-second job on the default config runs once", async (t) => {
  const harness = await startTestBridge({
    jobType: "delete-content",
    config: { ackWaitMs: 30_000 },
    process: () => sleep(5_000),
  });
  t.after(() => harness.dispose());
  const succeeded = waitForEvent<{ deliveryCount: number }>(
    harness.bridge.events,
    "job.succeeded",
  );

  await harness.js.publish(harness.address.subject, JSON.stringify(job));

  assert.equal((await succeeded).deliveryCount, 1);
  assert.equal(harness.calls.length, 1);
  const consumer = await harness.jsm.consumers.info(
    harness.address.stream,
    harness.address.consumer,
  );
  assert.equal(consumer.config.ack_wait, 30_000_000_000);
  assert.equal(consumer.num_redelivered, 0);
});
