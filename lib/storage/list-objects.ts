import {
  type _Object,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";

/** One object of a listing page. */
export interface ListedObject {
  key: string;
  lastModified: Date;
  size: number;
}

/** S3's limit, and default, on keys in one ListObjectsV2 page. */
export const maxKeysPerPage = 1_000;

/**
 * Yields every page of the keys under `prefix`, following the continuation
 * token until S3 reports the listing is no longer truncated. One request
 * returns at most 1,000 keys, so stopping after the first page would miss
 * the rest.
 */
export async function* listObjectPages(
  s3: S3Client,
  bucket: string,
  prefix: string,
  pageSize: number = maxKeysPerPage,
): AsyncGenerator<ListedObject[]> {
  let continuationToken: string | undefined;

  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        MaxKeys: pageSize,
        ContinuationToken: continuationToken,
      }),
    );
    yield (page.Contents ?? []).map(toListedObject);

    continuationToken = page.IsTruncated
      ? page.NextContinuationToken
      : undefined;
    if (page.IsTruncated && continuationToken === undefined) {
      throw new Error(
        `listing of s3://${bucket}/${prefix} is truncated but has no continuation token`,
      );
    }
  } while (continuationToken !== undefined);
}

function toListedObject(object: _Object): ListedObject {
  return {
    key: object.Key ?? "",
    lastModified: object.LastModified ?? new Date(0),
    size: object.Size ?? 0,
  };
}
