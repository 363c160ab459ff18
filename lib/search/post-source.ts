import type { S3Client } from "@aws-sdk/client-s3";
import type { Pool } from "../db/pool.ts";
import { type PostRow, toPostDocument } from "./documents.ts";
import { readPostContent } from "./post-content.ts";
import type { BuiltDocuments, DocumentSource } from "./source.ts";
import { tableReads } from "./table-rows.ts";

export interface PostSourceOptions {
  pool: Pool;
  s3: S3Client;
  bucket: string;
  /** Content objects read at once [50, the SDK's default socket limit]. */
  readConcurrency?: number;
}

const columns = "id, author_id, title, storage_key, created_at, updated_at";

/** Posts: rows from `posts`, bodies from the content bucket. */
export function createPostSource(options: PostSourceOptions): DocumentSource {
  const { pool } = options;
  return {
    kind: "posts",

    ...tableReads<PostRow>(pool, "posts", columns),

    buildDocuments: (rows) => buildPostDocuments(options, rows as PostRow[]),
  };
}

async function buildPostDocuments(
  options: PostSourceOptions,
  rows: PostRow[],
): Promise<BuiltDocuments> {
  const built: BuiltDocuments = { documents: [], errors: new Map() };
  const contents = await mapConcurrently(
    rows,
    options.readConcurrency ?? 50,
    (row) =>
      readPostContent(options.s3, {
        bucket: options.bucket,
        key: row.storage_key,
      }),
  );

  rows.forEach((row, index) => {
    const content = contents[index] as PromiseSettledResult<string>;
    if (content.status === "fulfilled") {
      built.documents.push(toPostDocument(row, content.value));
    } else {
      built.errors.set(row.id, content.reason);
    }
  });
  return built;
}

/** Runs `work` over items with at most `limit` at a time, in order. */
export async function mapConcurrently<Item, Result>(
  items: Item[],
  limit: number,
  work: (item: Item) => Promise<Result>,
): Promise<PromiseSettledResult<Result>[]> {
  const results: PromiseSettledResult<Result>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = {
          status: "fulfilled",
          value: await work(items[index] as Item),
        };
      } catch (reason) {
        results[index] = { status: "rejected", reason };
      }
    }
  };
  const workers = Math.min(limit, items.length);
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}
