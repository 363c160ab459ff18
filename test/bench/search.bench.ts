// Reindex throughput against the raw cost of the same reads, in one run.
//
// Seeds N posts (rows in a fresh Postgres database behind the Neon proxy,
// zstd content in s3rver) and measures:
//   raw read: rows by id cursor in batches, every content object read and
//             decompressed with the same concurrency the function uses. This
//             is the limit: a reindex cannot be faster than its reads.
//   reindex:  one reindex-posts job through the bridge (NATS, in-process
//             invoker, the real function) into the Meilisearch stand-in,
//             until the new index is swapped in with every document.
// The raw read runs before and after the reindex, and the faster one is the
// baseline, so cache warm-up does not favour the reindex. s3rver runs in a
// process of its own.
//
//   npm run bench:search [-- --posts 100000 --batch-size 1000]
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { jetstream } from "@nats-io/jetstream";
import { insertPosts, makePosts, uploadContent } from "../../lib/db/seed.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { MeilisearchStandIn } from "../../lib/local/meilisearch-standin.ts";
import { localS3Credentials } from "../../lib/local/s3-server.ts";
import { createPostSource } from "../../lib/search/post-source.ts";
import { createS3Client } from "../../lib/storage/s3-client.ts";
import { createTestDatabase } from "../support/database.ts";
import { eventually } from "../support/events.ts";
import { startSearchBridge } from "../support/meilisearch.ts";

const { values } = parseArgs({
  options: {
    posts: { type: "string", default: "100000" },
    "batch-size": { type: "string", default: "1000" },
  },
});
const postCount = Number(values.posts);
const batchSize = Number(values["batch-size"]);
const bucket = "content";

function progress(message: string, fields: Record<string, unknown> = {}) {
  process.stderr.write(`${JSON.stringify({ message, ...fields })}\n`);
}

async function startObjectStore(directory: string) {
  const script = join(import.meta.dirname, "search-s3-process.ts");
  const child = spawn(process.execPath, [script, directory, bucket], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`s3rver exited: ${code}`)));
    child.stdout.once("data", (line) =>
      resolve(JSON.parse(String(line)).endpoint),
    );
  });
  return { child, endpoint };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

const directory = await mkdtemp(join(tmpdir(), "axumkit-bench-search-"));
const database = await createTestDatabase();
const objectStore = await startObjectStore(directory);
const standIn = await MeilisearchStandIn.start();
const s3 = createS3Client({
  endpoint: objectStore.endpoint,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: localS3Credentials,
});
const env = {
  ...database.env,
  MEILISEARCH_HOST: standIn.url,
  MEILISEARCH_TASK_TIMEOUT_MS: "60000",
  STORAGE_ENDPOINT: objectStore.endpoint,
  STORAGE_FORCE_PATH_STYLE: "true",
  STORAGE_ACCESS_KEY_ID: localS3Credentials.accessKeyId,
  STORAGE_SECRET_ACCESS_KEY: localS3Credentials.secretAccessKey,
  CONTENT_BUCKET: bucket,
};

try {
  await seedPosts();
  const rawBefore = await measureRawRead();
  const reindexPerSecond = await measureReindex();
  const rawAfter = await measureRawRead();
  const rawPerSecond = Math.max(rawBefore, rawAfter);

  process.stdout.write(
    `posts: ${postCount}, batch_size: ${batchSize}\n` +
      `raw read: ${rawPerSecond.toFixed(0)} posts/s (runs: ${rawBefore.toFixed(0)}, ${rawAfter.toFixed(0)})\n` +
      `reindex: ${reindexPerSecond.toFixed(0)} documents/s\n`,
  );
  process.stdout.write(
    `reindex/raw-read ratio: ${(reindexPerSecond / rawPerSecond).toFixed(2)}\n`,
  );
} finally {
  s3.destroy();
  await standIn.stop();
  await stop(objectStore.child);
  await database.dispose();
  await rm(directory, { recursive: true, force: true });
}

async function seedPosts(): Promise<void> {
  const started = performance.now();
  const posts = makePosts(postCount, [randomUUID(), randomUUID()]);
  await insertPosts(database.pool, posts);
  let uploaded = 0;
  await uploadContent({ s3, bucket }, posts, (count) => {
    uploaded += count;
    if (uploaded % 10_000 === 0) progress("seeding", { uploaded });
  });
  progress("seeded", {
    posts: postCount,
    seconds: Math.round((performance.now() - started) / 1000),
  });
}

/** Reads every row and content object the way a reindex does; posts/s. */
async function measureRawRead(): Promise<number> {
  const source = createPostSource({ pool: database.pool, s3, bucket });
  const started = performance.now();
  let afterId: string | null = null;
  let read = 0;
  for (;;) {
    const rows = await source.fetchPage(afterId, batchSize);
    const last = rows.at(-1);
    if (last === undefined) break;
    const built = await source.buildDocuments(rows);
    read += built.documents.length;
    afterId = last.id;
  }
  if (read !== postCount) throw new Error(`raw read found ${read} posts`);
  const perSecond = read / ((performance.now() - started) / 1000);
  progress("raw read", { postsPerSecond: Math.round(perSecond) });
  return perSecond;
}

/** Runs one reindex through the bridge until it is live; documents/s. */
async function measureReindex(): Promise<number> {
  const searchBridge = await startSearchBridge({ env }, ["reindex-posts"]);
  try {
    const { subject } = addressOf("reindex-posts", searchBridge.config.naming);
    const job = {
      after_id: null,
      batch_size: batchSize,
      reindex_id: randomUUID(),
      batch_number: 0,
    };
    const started = performance.now();
    await jetstream(searchBridge.connection).publish(
      subject,
      JSON.stringify(job),
    );
    await eventually(
      () =>
        standIn.store.indexes.size === 1 &&
        standIn.documents("posts")?.size === postCount,
      3_600_000,
      20,
    );
    const perSecond = postCount / ((performance.now() - started) / 1000);
    progress("reindex", { documentsPerSecond: Math.round(perSecond) });
    return perSecond;
  } finally {
    await searchBridge.dispose();
  }
}
