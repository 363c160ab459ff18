import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import {
  insertPosts,
  makePosts,
  type SeedPost,
  uploadContent,
} from "../../lib/db/seed.ts";
import {
  type SearchBridge,
  type SearchStack,
  startSearchBridge,
  startSearchStack,
} from "../support/meilisearch.ts";
import { sharedNatsUrl } from "../support/nats.ts";
import { cliEnv, jsonOf, runJobs } from "./run-jobs.ts";

// Six posts in batches of two: batches 0 to 2 copy rows and batch 3 finds
// none. The content objects of the second, third and fourth post (by id)
// are missing, so batch 0 skips one row and batch 1 skips two.
let stack: SearchStack;
let searchBridge: SearchBridge;
let env: NodeJS.ProcessEnv;

before(async () => {
  stack = await startSearchStack();
  const posts = makePosts(6, [randomUUID()]).sort((a, b) =>
    a.id.localeCompare(b.id),
  );
  await insertPosts(stack.database.pool, posts);
  const withContent = posts.filter((_, index) => index < 1 || index > 3);
  await uploadContent(stack.content, withContent as SeedPost[]);
  searchBridge = await startSearchBridge(stack, ["reindex-posts"]);
  env = cliEnv(sharedNatsUrl, searchBridge.config.naming);
});
after(async () => {
  await searchBridge?.dispose();
  await stack?.dispose();
});

test("reindex reports rows it skipped", async () => {
  const run = await runJobs(
    ["reindex", "posts", "--batch-size", "2", "--json"],
    env,
  );
  assert.equal(run.code, 1, run.stderr);
  const outcome = jsonOf<Record<string, unknown>>(run);
  assert.equal(outcome.state, "finished");
  assert.equal(outcome.batches, 4);
  assert.equal(outcome.failedRows, 3);
  assert.deepEqual(outcome.failedRowsByBatch, { "0": 1, "1": 2 });
  assert.match(
    run.stderr,
    /^3 rows could not be indexed .*\(batch 0: 1, batch 1: 2\)/m,
  );
  assert.equal(stack.standIn.documents("posts")?.size, 3);

  const text = await runJobs(["reindex", "posts", "--batch-size", "2"], env);
  assert.equal(text.code, 1, text.stderr);
  assert.match(text.stdout, /^finished after 4 batches$/m);
  assert.match(
    text.stderr,
    /^batch 2 published, 3 batches so far, 3 rows failed \(2 in batch 1\)/m,
  );
  assert.match(
    text.stderr,
    /^batch 1 published, 2 batches so far, 1 rows failed \(1 in batch 0\)/m,
  );
});
