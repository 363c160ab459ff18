import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { jetstream } from "@nats-io/jetstream";
import { insertUsers, makeUsers, type SeedUser } from "../../lib/db/seed.ts";
import type { JobTypeName } from "../../lib/jobs/catalogue.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { collectEvents, eventually, waitForEvent } from "../support/events.ts";
import {
  type SearchBridge,
  type SearchStack,
  startSearchBridge,
  startSearchStack,
} from "../support/meilisearch.ts";

let stack: SearchStack;
let searchBridge: SearchBridge;

before(async () => {
  stack = await startSearchStack();
  searchBridge = await startSearchBridge(stack, [
    "index-user",
    "reindex-users",
  ]);
});
after(async () => {
  await searchBridge.dispose();
  await stack.dispose();
});

async function publish(jobType: JobTypeName, job: unknown): Promise<void> {
  const { subject } = addressOf(jobType, searchBridge.config.naming);
  await jetstream(searchBridge.connection).publish(
    subject,
    JSON.stringify(job),
  );
}

function liveUsers() {
  return stack.standIn.documents("users") ?? new Map();
}

test("index-user writes and deletes user documents", async () => {
  const [user, other] = makeUsers(2) as [SeedUser, SeedUser];
  await insertUsers(stack.database.pool, [user, other]);
  const indexed = collectEvents(searchBridge.bridge.events, "job.succeeded", 2);

  await publish("index-user", { user_id: user.id, action: "Index" });
  await publish("index-user", { user_id: other.id, action: "Index" });
  await indexed;

  assert.deepEqual(liveUsers().get(user.id), {
    id: user.id,
    handle: user.handle,
    display_name: user.displayName,
    bio: user.bio,
    profile_image: user.profileImage,
  });
  const settings = await stack.search.index("users").getSettings();
  assert.deepEqual(settings.searchableAttributes, [
    "handle",
    "display_name",
    "bio",
  ]);
  assert.deepEqual(settings.displayedAttributes, [
    "id",
    "handle",
    "display_name",
    "bio",
    "profile_image",
  ]);

  const deleted = waitForEvent(searchBridge.bridge.events, "job.succeeded");
  await publish("index-user", { user_id: user.id, action: "Delete" });
  await deleted;
  assert.equal(liveUsers().has(user.id), false);
  assert.equal(liveUsers().has(other.id), true);
});

test("reindex-users replaces a stale index", async () => {
  const users = makeUsers(120);
  await insertUsers(stack.database.pool, users);
  const stale = { id: randomUUID(), handle: "gone", display_name: "Gone" };
  await stack.search.index("users").addDocuments([stale]).waitTask();

  await publish("reindex-users", {
    after_id: null,
    batch_size: 50,
    reindex_id: randomUUID(),
    batch_number: 0,
  });
  const rows = await stack.database.pool.query("SELECT id FROM users");
  await eventually(
    () =>
      stack.standIn.store.indexes.size === 1 &&
      liveUsers().size === rows.rowCount &&
      !liveUsers().has(stale.id),
    30_000,
  );

  assert.deepEqual([...stack.standIn.store.indexes.keys()], ["users"]);
  for (const user of users) assert.ok(liveUsers().has(user.id), user.handle);
});
