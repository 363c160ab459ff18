// A test function for the Lambda path: succeeds without side effects unless
// a job's marker (see scripted-ids.ts) asks for a throw, a hang, a
// malformed result, a slow run or a per-record failure. The job type comes
// from SCRIPT_JOB_TYPE [index-post].
import { setTimeout as sleep } from "node:timers/promises";
import { PermanentJobError } from "../../../lib/errors.ts";
import {
  type BatchProcessor,
  createJobHandler,
  forEachRecord,
  type JobHandler,
} from "../../../lib/functions/job-handler.ts";
import {
  isJobTypeName,
  type JobOf,
  type JobTypeName,
} from "../../../lib/jobs/catalogue.ts";
import { silentLogger } from "../../support/handlers.ts";
import {
  hangId,
  isPermanentId,
  isRetryOnceId,
  malformedId,
  slowId,
  throwId,
} from "./scripted-ids.ts";

interface EventShape {
  records?: { job?: Record<string, unknown> }[];
}

/** The post id, user id or email subject that steers the function. */
function markerOf(job: unknown): string {
  const fields = (job ?? {}) as Record<string, unknown>;
  return String(fields.post_id ?? fields.user_id ?? fields.subject ?? "");
}

export function createScriptedHandler<Name extends JobTypeName>(
  jobType: Name,
  slowMs = 3_000,
): JobHandler {
  const perRecord = createJobHandler({
    jobType,
    logger: silentLogger,
    setup: async () =>
      forEachRecord<unknown>(async (job, record) => {
        const marker = markerOf(job);
        if (isPermanentId(marker)) {
          throw new PermanentJobError(`post ${marker} can never be indexed`);
        }
        if (isRetryOnceId(marker) && record.deliveryCount === 1) {
          throw new Error(`search index briefly unavailable for ${marker}`);
        }
      }) as BatchProcessor<JobOf<Name>>,
  });

  const handler = async (event: unknown) => {
    const markers = ((event as EventShape).records ?? []).map((record) =>
      markerOf(record.job),
    );
    if (markers.includes(throwId)) throw new TypeError("scripted throw");
    if (markers.includes(hangId)) await sleep(10 * 60_000);
    if (markers.includes(malformedId)) return { failures: "none" } as never;
    if (markers.includes(slowId)) await sleep(slowMs);
    return perRecord(event);
  };
  return Object.assign(handler, { prepare: perRecord.prepare });
}

const configured = process.env.SCRIPT_JOB_TYPE ?? "index-post";
export const handler = createScriptedHandler(
  isJobTypeName(configured) ? configured : "index-post",
  Number(process.env.SCRIPT_SLOW_MS ?? 3_000),
);
