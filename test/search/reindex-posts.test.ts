import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { jetstream } from "@nats-io/jetstream";
import {
  insertPosts,
  makePosts,
  type SeedPost,
  uploadContent,
} from "../../lib/db/seed.ts";
import type { JobTypeName } from "../../lib/jobs/catalogue.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { eventually, waitForEvent } from "../support/events.ts";
import {
  type SearchBridge,
  type SearchStack,
  startSearchBridge,
  startSearchStack,
} from "../support/meilisearch.ts";

// Scale: the product must reindex 25,000 posts in batches of 1,000. s3rver
// serves a few hundred content reads a second in this process, so this
// test runs 5,000 posts in batches of 200: the same 25 batches, in about a
// fifth of the time.
const postCount = 5_000;
const batchSize = 200;

let stack: SearchStack;
let searchBridge: SearchBridge;
let posts: SeedPost[];
const knownTitle = "Lighthouse keeper diary";

before(async () => {
  stack = await startSearchStack();
  const author = randomUUID();
  posts = makePosts(postCount, [author]);
  posts[0] = { ...(posts[0] as SeedPost), title: knownTitle };
  await insertPosts(stack.database.pool, posts);
  await uploadContent(stack.content, posts);
  searchBridge = await startSearchBridge(stack, [
    "index-post",
    "reindex-posts",
  ]);
});
after(async () => {
  await searchBridge?.dispose();
  await stack.dispose();
});

async function publish(jobType: JobTypeName, job: unknown): Promise<void> {
  const { subject } = addressOf(jobType, searchBridge.config.naming);
  await jetstream(searchBridge.connection).publish(
    subject,
    JSON.stringify(job),
  );
}

function reindexJob(reindexId: string) {
  return {
    after_id: null,
    batch_size: batchSize,
    reindex_id: reindexId,
    batch_number: 0,
  };
}

/** Resolves once `count` more reindex batches have been acked. */
function reindexBatchesDone(count: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) => {
    const listener = (event: { jobType: string }) => {
      if (event.jobType !== "reindex-posts" || ++seen < count) return;
      searchBridge.bridge.events.off("job.succeeded", listener);
      resolve();
    };
    searchBridge.bridge.events.on("job.succeeded", listener);
  });
}

/**
 * Searches the live index for the known title until stopped, counting the
 * searches that found nothing. The stand-in serves each search from the
 * live index as it is at that moment.
 */
function watchSearch() {
  const result = { searches: 0, empty: 0, errors: [] as unknown[] };
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const found = await stack.search.index("posts").search(knownTitle);
        result.searches += 1;
        if (found.hits.length === 0) result.empty += 1;
      } catch (error) {
        result.errors.push(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    result,
    async stop() {
      running = false;
      await loop;
      return result;
    },
  };
}

test("reindex-posts swaps in a full index, search never empty", async () => {
  const known = posts[0] as SeedPost;
  const indexed = waitForEvent(searchBridge.bridge.events, "job.succeeded");
  await publish("index-post", { post_id: known.id, action: "Index" });
  await indexed;
  const watcher = watchSearch();

  // First reindex; after 5 batches, an update and a deletion arrive.
  const first = randomUUID();
  const fiveBatches = reindexBatchesDone(5);
  await publish("reindex-posts", reindexJob(first));
  await fiveBatches;
  const sorted = [...posts].sort((a, b) => a.id.localeCompare(b.id));
  const renamed = sorted[1] as SeedPost;
  const removed = sorted[2] as SeedPost;
  await stack.database.pool.query(
    "UPDATE posts SET title = 'Renamed during the first reindex' WHERE id = $1",
    [renamed.id],
  );
  await stack.database.pool.query("DELETE FROM posts WHERE id = $1", [
    removed.id,
  ]);
  await publish("index-post", { post_id: renamed.id, action: "Index" });
  await publish("index-post", { post_id: removed.id, action: "Delete" });

  // A second reindex takes over mid-way; another update arrives during it.
  const threeMore = reindexBatchesDone(3);
  await threeMore;
  const second = randomUUID();
  const secondStarted = reindexBatchesDone(4);
  await publish("reindex-posts", reindexJob(second));
  await secondStarted;
  const late = sorted[3] as SeedPost;
  await stack.database.pool.query(
    "UPDATE posts SET title = 'Renamed during the second reindex' WHERE id = $1",
    [late.id],
  );
  await publish("index-post", { post_id: late.id, action: "Index" });

  // Done when only the live index is left and it contains every row.
  await eventually(
    () =>
      stack.standIn.store.indexes.size === 1 &&
      stack.standIn.documents("posts")?.size === postCount - 1,
    120_000,
    100,
  );
  const watched = await watcher.stop();

  const live = stack.standIn.documents("posts") as Map<string, unknown>;
  assert.deepEqual([...stack.standIn.store.indexes.keys()], ["posts"]);
  assert.equal(watched.empty, 0, "a search found nothing during the reindex");
  assert.deepEqual(watched.errors, []);
  assert.ok(watched.searches > 20, `only ${watched.searches} searches ran`);

  const rows = await stack.database.pool.query<{ id: string }>(
    "SELECT id FROM posts ORDER BY id",
  );
  assert.deepEqual(
    [...live.keys()].sort(),
    rows.rows.map((row) => row.id),
  );
  assert.equal(live.has(removed.id), false);
  assert.equal(
    (live.get(renamed.id) as { title: string }).title,
    "Renamed during the first reindex",
  );
  assert.equal(
    (live.get(late.id) as { title: string }).title,
    "Renamed during the second reindex",
  );

  const settings = await stack.search.index("posts").getSettings();
  assert.deepEqual(settings.searchableAttributes, ["title", "content"]);
  assert.deepEqual(settings.filterableAttributes, ["author_id"]);
});
