import type { S3Client } from "@aws-sdk/client-s3";
import { PermanentJobError } from "../errors.ts";
import type { DeleteContentJob } from "../jobs/schemas.ts";
import type { Logger } from "../log.ts";
import { deleteObjects } from "../storage/delete-objects.ts";
import { rejectKeyReason } from "../storage/key-policy.ts";

export interface DeleteContentDeps {
  s3: S3Client;
  bucket: string;
  allowedPrefixes: readonly string[];
  logger: Logger;
}

/**
 * Deletes a job's content objects. Allowed keys are deleted even when others
 * are rejected. A rejected key fails the job permanently so it reaches the
 * dead-letter stream; a key the store failed to delete fails it retryably
 * (deleting again is harmless).
 */
export async function deleteContent(
  deps: DeleteContentDeps,
  job: DeleteContentJob,
  recordId: string,
): Promise<void> {
  const allowed: string[] = [];
  const rejected: string[] = [];
  for (const key of new Set(job.storage_keys)) {
    const reason = rejectKeyReason(key, deps.allowedPrefixes);
    if (reason === undefined) {
      allowed.push(key);
    } else {
      rejected.push(`"${key}": ${reason}`);
      deps.logger.warn({ recordId, key, reason }, "content key rejected");
    }
  }

  const failures = await deleteObjects(deps.s3, deps.bucket, allowed);
  for (const failure of failures) {
    deps.logger.warn({ recordId, ...failure }, "content object not deleted");
  }
  deps.logger.info(
    {
      recordId,
      requested: job.storage_keys.length,
      deleted: allowed.length - failures.length,
      rejected: rejected.length,
      failed: failures.length,
    },
    "content deleted",
  );

  if (rejected.length > 0) {
    throw new PermanentJobError(`rejected keys: ${rejected.join("; ")}`);
  }
  if (failures.length > 0) {
    const listed = failures.map(
      (failure) => `"${failure.key}": ${failure.code}`,
    );
    throw new Error(`store did not delete keys: ${listed.join("; ")}`);
  }
}
