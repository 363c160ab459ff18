import assert from "node:assert/strict";
import { test } from "node:test";
import {
  maxInvokePayloadBytes,
  splitBatch,
} from "../../lib/bridge/split-batch.ts";
import type { JobRecord } from "../../lib/contract.ts";

function emailRecord(sequence: number, html: string): JobRecord {
  return {
    id: `axumkit_jobs_email:${sequence}`,
    subject: "axumkit.jobs.email",
    deliveryCount: 1,
    publishedAt: "2026-01-01T00:00:00.000Z",
    job: {
      to: "a@example.com",
      subject: "s",
      template: { Custom: { html_content: html } },
    },
  };
}

function eventBytes(records: JobRecord[]): number {
  return Buffer.byteLength(JSON.stringify({ records }));
}

test("split batch measures UTF-8 bytes, not string length", () => {
  // 3.2 million characters fit under 6,291,456; 6.4 million bytes do not.
  const record = emailRecord(1, "é".repeat(3_200_000));
  assert.ok(
    JSON.stringify({ records: [record] }).length < maxInvokePayloadBytes,
  );

  const { batches, oversized } = splitBatch([record], (item) => item);

  assert.equal(batches.length, 0);
  assert.equal(oversized.length, 1);
  assert.equal(oversized[0]?.bytes, eventBytes([record]));
});

test("split batch keeps small batches whole", () => {
  const records = Array.from({ length: 25 }, (_, n) =>
    emailRecord(n, "<p>hi</p>"),
  );

  const { batches, oversized } = splitBatch(records, (item) => item);

  assert.deepEqual(batches, [records]);
  assert.equal(oversized.length, 0);
});

test("split batch parts fit the limit in order", () => {
  // Three records of about 2.5 MB each: two fit together, three do not.
  const records = [1, 2, 3].map((n) => emailRecord(n, "é".repeat(1_250_000)));
  const small = emailRecord(4, "ok");

  const { batches, oversized } = splitBatch(
    [...records, small],
    (item) => item,
  );

  assert.equal(oversized.length, 0);
  assert.deepEqual(batches, [
    [records[0], records[1]],
    [records[2], small],
  ]);
  for (const batch of batches) {
    assert.ok(eventBytes(batch) <= maxInvokePayloadBytes);
  }
});

test("split batch fills a part up to the exact limit", () => {
  const records = [1, 2, 3].map((n) => emailRecord(n, "x".repeat(100)));
  const exact = eventBytes(records.slice(0, 2));

  const atLimit = splitBatch(records, (item) => item, exact);
  const belowLimit = splitBatch(records, (item) => item, exact - 1);

  assert.deepEqual(atLimit.batches, [records.slice(0, 2), records.slice(2)]);
  assert.deepEqual(belowLimit.batches, [
    [records[0]],
    [records[1]],
    [records[2]],
  ]);
});

test("split batch sets aside only the oversized record", () => {
  const before = emailRecord(1, "a");
  const huge = emailRecord(2, "é".repeat(3_200_000));
  const after = emailRecord(3, "b");

  const { batches, oversized } = splitBatch(
    [before, huge, after],
    (item) => item,
  );

  assert.deepEqual(batches, [[before, after]]);
  assert.deepEqual(
    oversized.map(({ item }) => item),
    [huge],
  );
});
