import assert from "node:assert/strict";
import { test } from "node:test";
import { PermanentJobError } from "../../lib/errors.ts";
import {
  createJobHandler,
  forEachRecord,
} from "../../lib/functions/job-handler.ts";
import type { IndexPostJob } from "../../lib/jobs/schemas.ts";
import { FunctionMetrics } from "../../lib/metrics/function-metrics.ts";
import { silentLogger } from "../support/handlers.ts";

interface EmfLine {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [field: string]: unknown;
}

const okId = "0190a4f2-1b2c-7d3e-8f40-123456789abc";
const brokenId = "0190a4f2-1b2c-7d3e-8f40-000000000bad";

function record(id: string, job: unknown, deliveryCount = 1) {
  return {
    id,
    subject: "axumkit.jobs.index.post",
    deliveryCount,
    publishedAt: new Date().toISOString(),
    job,
  };
}

function handlerWith(metrics: FunctionMetrics) {
  return createJobHandler({
    jobType: "index-post",
    logger: silentLogger,
    metrics,
    setup: async () =>
      forEachRecord<IndexPostJob>(async (job) => {
        if (job.action === "Delete") throw new PermanentJobError("row is gone");
        if (job.post_id === brokenId)
          throw new Error("search engine answered 503");
      }),
  });
}

test("function writes one EMF line per batch", async () => {
  const lines: string[] = [];
  const metrics = new FunctionMetrics({
    jobType: "index-post",
    source: { MAX_DELIVER: "3" },
    sink: (line) => lines.push(line),
  });
  const handler = handlerWith(metrics);

  const result = await handler({
    records: [
      record("s:1", { post_id: okId, action: "Index" }),
      record("s:2", { post_id: okId, action: "Delete" }),
      record("s:3", { post_id: brokenId, action: "Index" }, 1),
      record("s:4", { post_id: brokenId, action: "Index" }, 3),
      record("s:5", { post_id: okId, action: "index" }),
    ],
  });
  assert.equal(result.failures.length, 4);
  assert.equal(lines.length, 1);

  const emf = JSON.parse(lines[0] ?? "") as EmfLine;
  const [directive] = emf._aws.CloudWatchMetrics;
  assert.equal(directive?.Namespace, "axumkit-worker");
  assert.deepEqual(directive?.Dimensions, [["service", "jobType"]]);
  assert.deepEqual(
    directive?.Metrics.map(({ Name, Unit }) => `${Name}:${Unit}`),
    [
      "Succeeded:Count",
      "Failed:Count",
      "Retried:Count",
      "DeadLettered:Count",
      "Duration:Milliseconds",
    ],
  );
  assert.equal(emf.jobType, "index-post");
  assert.equal(emf.service, "axumkit-worker");
  assert.equal(emf.Succeeded, 1);
  assert.equal(emf.Failed, 4);
  // s:3 is retried; s:4 was on the last delivery; s:2 and s:5 are permanent.
  assert.equal(emf.Retried, 1);
  assert.equal(emf.DeadLettered, 3);
  assert.equal(typeof emf.Duration, "number");
  assert.ok((emf.Duration as number) >= 0);

  await handler({
    records: [record("s:6", { post_id: okId, action: "Index" })],
  });
  assert.equal(lines.length, 2);
  const second = JSON.parse(lines[1] ?? "") as EmfLine;
  assert.equal(second.Succeeded, 1, "counts start again for every batch");
  assert.equal(second.Failed, 0);
});

test("EMF lines go to stdout only in Lambda", async () => {
  const written: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    const batch = {
      records: [{ id: "s:1", deliveryCount: 1 }],
      failures: [],
      durationMs: 3,
    };
    await new FunctionMetrics({ jobType: "email", source: {} }).recordBatch(
      batch,
    );
    await new FunctionMetrics({
      jobType: "email",
      source: {
        AWS_LAMBDA_FUNCTION_NAME: "email",
        POWERTOOLS_METRICS_DISABLED: "true",
      },
    }).recordBatch(batch);
    assert.equal(written.length, 0);

    await new FunctionMetrics({
      jobType: "email",
      source: { AWS_LAMBDA_FUNCTION_NAME: "email" },
    }).recordBatch(batch);
  } finally {
    process.stdout.write = write;
  }
  assert.equal(written.length, 1);
  assert.equal(JSON.parse(written[0] ?? "").jobType, "email");
});
