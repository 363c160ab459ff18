import { DeleteObjectsCommand, type S3Client } from "@aws-sdk/client-s3";

/** S3's limit on keys in one DeleteObjects request. */
export const maxKeysPerDelete = 1_000;

export interface DeleteFailure {
  key: string;
  code: string;
  message: string;
}

/**
 * Deletes keys in requests of at most 1,000 and returns the keys the store
 * reported as not deleted. A key missing from the bucket counts as deleted,
 * as S3 itself reports it.
 */
export async function deleteObjects(
  s3: S3Client,
  bucket: string,
  keys: readonly string[],
): Promise<DeleteFailure[]> {
  const failures: DeleteFailure[] = [];

  for (let start = 0; start < keys.length; start += maxKeysPerDelete) {
    const chunk = keys.slice(start, start + maxKeysPerDelete);
    const response = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: chunk.map((key) => ({ Key: key })), Quiet: true },
      }),
    );

    for (const error of response.Errors ?? []) {
      failures.push({
        key: error.Key ?? "",
        code: error.Code ?? "Unknown",
        message: error.Message ?? "no message",
      });
    }
  }
  return failures;
}
