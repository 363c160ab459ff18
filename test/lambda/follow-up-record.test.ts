import assert from "node:assert/strict";
import { test } from "node:test";
import type { FollowUpJob } from "../../lib/contract.ts";
import { createJobHandler } from "../../lib/functions/job-handler.ts";
import { silentLogger } from "../support/handlers.ts";

const event = {
  records: [
    {
      id: "jobs_email:1",
      subject: "axumkit.jobs.email",
      deliveryCount: 1,
      publishedAt: "2026-01-01T00:00:00.000Z",
      job: {
        to: "ann@example.com",
        subject: "Verify",
        template: {
          Verification: { username: "ann", token: "t", valid_minutes: 5 },
        },
      },
    },
  ],
};

function handlerEnqueuing(enqueue: FollowUpJob[]) {
  return createJobHandler({
    jobType: "email",
    logger: silentLogger,
    setup: async () => async () => ({ errors: new Map(), enqueue }),
  });
}

test("follow-up keeps its record id", async () => {
  const followUp = { subject: "s", job: {}, recordId: "jobs_email:1" };
  const result = await handlerEnqueuing([followUp])(event);
  assert.deepEqual(result.enqueue, [followUp]);
});

test("follow-up without record id rejected", async () => {
  const withoutId = { subject: "s", job: {} } as unknown as FollowUpJob;
  await assert.rejects(
    handlerEnqueuing([withoutId])(event),
    /follow-up to "s" names record id "undefined", which is not a valid record of this batch/,
  );
});

test("follow-up with foreign record rejected", async () => {
  const foreign = { subject: "s", job: {}, recordId: "jobs_email:2" };
  await assert.rejects(
    handlerEnqueuing([foreign])(event),
    /names record id "jobs_email:2"/,
  );
});
