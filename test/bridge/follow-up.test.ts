import assert from "node:assert/strict";
import { test } from "node:test";
import { addressOf } from "../../lib/jobs/naming.ts";
import {
  deleteStreams,
  readDeadLetters,
  storedCount,
} from "../support/dead-letters.ts";
import { waitForEvent } from "../support/events.ts";
import { startTestBridge } from "../support/test-bridge.ts";

// A record with two follow-up jobs, where the second publish fails on the
// first delivery: the record is retried, and its retry publishes both
// again. The message ids derived from the record make the server drop the
// repeated first one.

const reindexId = "0190a4f2-3333-7d3e-8f40-123456789abc";

test("retried record publishes each follow-up once", async (t) => {
  let auditSubject = "";
  let markAuditStreamAdded = () => {};
  const auditStreamAdded = new Promise<void>((resolve) => {
    markAuditStreamAdded = resolve;
  });
  const harness = await startTestBridge({
    jobType: "reindex-posts",
    config: { retryBaseDelayMs: 100 },
    process: async (job, record) => {
      const { batch_number: batchNumber } = job as { batch_number: number };
      if (batchNumber > 0) return undefined;
      // The retry must find the audit stream, however late the test adds it.
      if (record.deliveryCount > 1) await auditStreamAdded;
      return {
        enqueue: [
          {
            subject: harness.address.subject,
            job: { after_id: null, reindex_id: reindexId, batch_number: 1 },
          },
          { subject: auditSubject, job: { reindex_id: reindexId } },
        ],
      };
    },
  });
  // Another job type's subject, whose stream this bridge does not create.
  const audit = addressOf("email", harness.config.naming);
  auditSubject = audit.subject;
  const auditStream = audit.stream;
  t.after(async () => {
    await deleteStreams(harness.jsm, [auditStream]);
    await harness.dispose();
  });

  // The next batch may succeed before the retry: count from the start.
  const bothSucceeded = new Promise<void>((resolve) => {
    let count = 0;
    harness.bridge.events.on("job.succeeded", () => {
      count++;
      if (count === 2) resolve();
    });
  });
  // The audit stream appears only after the first publish to it failed.
  const followUpFailed = waitForEvent(
    harness.bridge.events,
    "follow-up.failed",
  );
  const retrying = waitForEvent<{ deliveryCount: number; reason: string }>(
    harness.bridge.events,
    "job.retrying",
  );
  const firstBatch = { after_id: null, reindex_id: reindexId, batch_number: 0 };
  await harness.js.publish(harness.address.subject, JSON.stringify(firstBatch));
  await followUpFailed;
  await harness.jsm.streams.add({
    name: auditStream,
    subjects: [auditSubject],
  });
  markAuditStreamAdded();
  const retry = await retrying;

  await bothSucceeded;

  assert.equal(retry.deliveryCount, 1);
  assert.equal(
    retry.reason,
    `publishing a follow-up job failed: no stream captures subject ${auditSubject}`,
  );
  const batchNumbers = harness.calls.map(
    (record) => (record.job as { batch_number: number }).batch_number,
  );
  // The next batch is published on the first delivery, so it may run
  // before or after the retry of the first batch.
  assert.deepEqual(batchNumbers.toSorted(), [0, 0, 1], "next batch ran once");
  assert.equal(await storedCount(harness.jsm, auditStream), 1);
  assert.equal(await storedCount(harness.jsm, harness.address.stream), 0);
});

test("follow-up to foreign subject fails", async (t) => {
  const harness = await startTestBridge({
    jobType: "reindex-posts",
    process: async () => ({
      enqueue: [
        { subject: harness.address.subject, job: { batch_number: 1 } },
        {
          subject: `${harness.config.naming.deadLetterSubjectPrefix}.email`,
          job: { forged: true },
        },
      ],
    }),
  });
  t.after(() => harness.dispose());

  const deadLettered = waitForEvent<{ kind: string; reason: string }>(
    harness.bridge.events,
    "job.dead-lettered",
  );
  const firstBatch = { after_id: null, reindex_id: reindexId, batch_number: 0 };
  await harness.js.publish(harness.address.subject, JSON.stringify(firstBatch));
  const dead = await deadLettered;

  assert.equal(dead.kind, "permanent");
  assert.equal(
    dead.reason,
    `follow-up subject "${harness.config.naming.deadLetterSubjectPrefix}.email" is not the subject of a catalogue job type`,
  );
  // Neither follow-up of the failed record was published.
  assert.equal(harness.calls.length, 1);
  assert.equal(await storedCount(harness.jsm, harness.address.stream), 0);
  const letters = await readDeadLetters(
    harness.jsm,
    harness.config.naming.deadLetterStream,
  );
  assert.equal(letters.length, 1);
});
