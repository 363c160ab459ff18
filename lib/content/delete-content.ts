import type { S3Client } from "@aws-sdk/client-s3";
import type { JobRecord } from "../contract.ts";
import { PermanentJobError } from "../errors.ts";
import type { RecordOutcome } from "../functions/job-handler.ts";
import type { DeleteContentJob } from "../jobs/schemas.ts";
import type { Logger } from "../log.ts";
import {
  type DeleteFailure,
  deleteObjects,
} from "../storage/delete-objects.ts";
import { quoteKey, rejectKeyReason } from "../storage/key-policy.ts";

export interface DeleteContentDeps {
  s3: S3Client;
  bucket: string;
  allowedPrefixes: readonly string[];
  logger: Logger;
}

/**
 * Deletes a job's content objects. Allowed keys are deleted even when others
 * are rejected, and a rejected key fails the job permanently so it reaches
 * the dead-letter stream.
 *
 * Keys the store did not delete are handled so that a retry redoes only
 * them. JetStream cannot change a stored job, so when some keys were deleted
 * the job succeeds and returns a follow-up job with only the keys the store
 * did not delete. That follow-up is an ordinary job: its own failures are
 * retried with delays and end in the dead-letter stream. A delivery that
 * deletes none of its keys fails retryably instead, so the chain ends
 * because every follow-up carries fewer keys than the job before it.
 */
export async function deleteContent(
  deps: DeleteContentDeps,
  job: DeleteContentJob,
  record: Pick<JobRecord, "id" | "subject">,
): Promise<RecordOutcome> {
  const recordId = record.id;
  const allowed: string[] = [];
  const rejected: string[] = [];
  for (const key of new Set(job.storage_keys)) {
    const reason = rejectKeyReason(key, deps.allowedPrefixes);
    if (reason === undefined) {
      allowed.push(key);
    } else {
      rejected.push(`${quoteKey(key)}: ${reason}`);
      deps.logger.warn({ recordId, key, reason }, "content key rejected");
    }
  }

  const failures = await deleteObjects(deps.s3, deps.bucket, allowed);
  for (const failure of failures) {
    deps.logger.warn({ recordId, ...failure }, "content object not deleted");
  }
  const deleted = allowed.length - failures.length;
  deps.logger.info(
    {
      recordId,
      requested: job.storage_keys.length,
      deleted,
      rejected: rejected.length,
      failed: failures.length,
    },
    "content deleted",
  );

  if (rejected.length > 0) {
    const notDeleted = failures.length > 0 ? `; ${describe(failures)}` : "";
    throw new PermanentJobError(
      `rejected keys: ${rejected.join("; ")}${notDeleted}`,
    );
  }
  if (failures.length === 0) return {};
  if (deleted === 0) throw new Error(describe(failures));

  const leftKeys = failures.map((failure) => failure.key);
  deps.logger.warn(
    { recordId, keys: leftKeys.length },
    "content delete continues in a follow-up job",
  );
  return {
    enqueue: [{ subject: record.subject, job: { storage_keys: leftKeys } }],
  };
}

function describe(failures: readonly DeleteFailure[]): string {
  const listed = failures.map((failure) => `"${failure.key}": ${failure.code}`);
  return `store did not delete keys: ${listed.join("; ")}`;
}
