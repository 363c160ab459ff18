import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import {
  insertPosts,
  makePosts,
  putObject,
  type SeedPost,
  uploadContent,
} from "../../lib/db/seed.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { readDeadLetters } from "../support/dead-letters.ts";
import { collectEvents, waitForEvent } from "../support/events.ts";
import {
  type SearchBridge,
  type SearchStack,
  startSearchBridge,
  startSearchStack,
} from "../support/meilisearch.ts";

// Every test drives the real index-post function through the bridge:
// jobs published to JetStream, rows in Postgres behind the Neon proxy,
// content in s3rver, documents in the Meilisearch stand-in.

let stack: SearchStack;
let searchBridge: SearchBridge;
const author = randomUUID();

before(async () => {
  stack = await startSearchStack();
  searchBridge = await startSearchBridge(stack, ["index-post"]);
});
after(async () => {
  await searchBridge.dispose();
  await stack.dispose();
});

async function publish(
  postId: string,
  action: "Index" | "Delete",
  target = searchBridge,
) {
  const js = jetstream(target.connection);
  const { subject } = addressOf("index-post", target.config.naming);
  await js.publish(subject, JSON.stringify({ post_id: postId, action }));
}

async function writePosts(count: number): Promise<SeedPost[]> {
  const posts = makePosts(count, [author]);
  await insertPosts(stack.database.pool, posts);
  await uploadContent(stack.content, posts);
  return posts;
}

function livePosts() {
  return stack.standIn.documents("posts") ?? new Map();
}

test("index-post writes the document of DESIGN fields", async () => {
  const [post] = (await writePosts(1)) as [SeedPost];
  const done = waitForEvent(searchBridge.bridge.events, "job.succeeded");

  await publish(post.id, "Index");
  await done;

  assert.deepEqual(livePosts().get(post.id), {
    id: post.id,
    author_id: author,
    title: post.title,
    content: post.content,
    created_at: Math.floor(post.createdAt.getTime() / 1000),
    updated_at: Math.floor(post.updatedAt.getTime() / 1000),
  });
  const found = await stack.search.index("posts").search(post.title);
  assert.equal(found.hits[0]?.id, post.id);
  const settings = await stack.search.index("posts").getSettings();
  assert.deepEqual(settings.searchableAttributes, ["title", "content"]);
  assert.deepEqual(settings.filterableAttributes, ["author_id"]);
  assert.deepEqual(settings.rankingRules, [
    "words",
    "typo",
    "proximity",
    "attribute",
    "exactness",
  ]);
});

test("index-post Delete removes the document", async () => {
  const [post] = (await writePosts(1)) as [SeedPost];
  const indexed = waitForEvent(searchBridge.bridge.events, "job.succeeded");
  await publish(post.id, "Index");
  await indexed;
  assert.ok(livePosts().has(post.id));

  const deleted = collectEvents(searchBridge.bridge.events, "job.succeeded", 2);
  await publish(post.id, "Delete");
  await publish(post.id, "Delete");
  await deleted;

  assert.equal(livePosts().has(post.id), false);
});

test("index-post Index of a deleted row removes it", async () => {
  const [post] = (await writePosts(1)) as [SeedPost];
  const indexed = waitForEvent(searchBridge.bridge.events, "job.succeeded");
  await publish(post.id, "Index");
  await indexed;
  await stack.database.pool.query("DELETE FROM posts WHERE id = $1", [post.id]);

  const acked = waitForEvent(searchBridge.bridge.events, "job.succeeded");
  await publish(post.id, "Index");
  await acked;

  assert.equal(livePosts().has(post.id), false);
});

test("index-post dead-letters corrupt content", async () => {
  const [post] = (await writePosts(1)) as [SeedPost];
  await putObject(stack.content, post.storageKey, Buffer.from("not zstd"));
  const dead = waitForEvent(searchBridge.bridge.events, "job.dead-lettered");

  await publish(post.id, "Index");
  await dead;

  const jsm = await jetstreamManager(searchBridge.connection);
  const letters = await readDeadLetters(
    jsm,
    searchBridge.config.naming.deadLetterStream,
  );
  const letter = letters.find((each) =>
    new TextDecoder().decode(each.data).includes(post.id),
  );
  assert.ok(letter, "no dead letter for the post");
  assert.match(letter.lastError, /is not valid zstd/);
  assert.match(letter.lastError, new RegExp(post.storageKey));
  assert.equal(letter.deliveryCount, 1);
  assert.equal(livePosts().has(post.id), false);
});

test("index-post batch of 50 with 3 corrupt", async (t) => {
  const posts = await writePosts(50);
  const corrupt = [posts[3], posts[20], posts[41]] as SeedPost[];
  for (const post of corrupt) {
    await putObject(stack.content, post.storageKey, Buffer.from([1, 2, 3]));
  }
  // A bridge of its own, whose first pull takes all 50 jobs as one batch.
  const batchBridge = await startSearchBridge(stack, ["index-post"], {
    "index-post": { concurrency: 1, batchSize: 50, batchWindowMs: 5_000 },
  });
  t.after(() => batchBridge.dispose());
  const addCalls = () =>
    stack.standIn.countRequests("POST", /^\/indexes\/posts\/documents$/);
  const callsBefore = addCalls();
  const events = batchBridge.bridge.events;
  const invoked = waitForEvent<{ batchSize: number }>(
    events,
    "invoke.completed",
  );
  const succeeded = collectEvents(events, "job.succeeded", 47);
  const dead = collectEvents<{ reason: string }>(
    events,
    "job.dead-lettered",
    3,
  );

  for (const post of posts) await publish(post.id, "Index", batchBridge);
  await Promise.all([succeeded, dead]);

  assert.equal((await invoked).batchSize, 50);
  assert.equal(addCalls() - callsBefore, 1);
  const added = stack.standIn.tasks
    .list()
    .filter((task) => task.type === "documentAdditionOrUpdate")
    .at(-1);
  assert.equal(added?.details.receivedDocuments, 47);
  for (const post of posts) {
    const isCorrupt = corrupt.includes(post);
    assert.equal(livePosts().has(post.id), !isCorrupt, post.title);
  }
  for (const letter of await dead) {
    assert.match(letter.reason, /is not valid zstd/);
  }
});

test("index-post retries a failed Meilisearch task", async () => {
  const [post] = (await writePosts(1)) as [SeedPost];
  const message = "Meilisearch ran out of disk space: no space left on device";
  stack.standIn.failNextTask(
    { type: "documentAdditionOrUpdate", indexUid: "posts" },
    message,
    "no_space_left_on_device",
  );
  const events = searchBridge.bridge.events;
  const retrying = waitForEvent<{ reason: string; delayMs: number }>(
    events,
    "job.retrying",
  );
  const succeeded = waitForEvent(events, "job.succeeded");

  await publish(post.id, "Index");
  const retry = await retrying;
  await succeeded;

  assert.match(retry.reason, new RegExp(message));
  assert.ok(retry.delayMs > 0);
  assert.ok(livePosts().has(post.id));
});
