import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Meilisearch, MeilisearchApiError } from "meilisearch";
import { MeilisearchStandIn } from "../../lib/local/meilisearch-standin.ts";
import {
  completeTask,
  createSearchClient,
  SearchTaskError,
} from "../../lib/search/client.ts";

let standIn: MeilisearchStandIn;
let client: Meilisearch;

before(async () => {
  standIn = await MeilisearchStandIn.start({ apiKey: "test-key" });
  client = createSearchClient({
    host: standIn.url,
    apiKey: "test-key",
    postsIndex: "posts",
    usersIndex: "users",
    taskTimeoutMs: 5_000,
  });
});
after(() => standIn.stop());

test("stand-in answers writes with enqueued tasks", async () => {
  standIn.tasks.pause();
  const enqueued = await client.createIndex("books", { primaryKey: "id" });
  const pending = await client.tasks.getTask(enqueued.taskUid);

  assert.equal(enqueued.status, "enqueued");
  assert.equal(pending.status, "enqueued");
  assert.equal(standIn.store.indexes.has("books"), false);
  standIn.tasks.resume();
  const task = await client.tasks.waitForTask(enqueued.taskUid);
  assert.equal(task.status, "succeeded");
  assert.equal(standIn.store.indexes.has("books"), true);
});

test("stand-in searches, filters and displays", async () => {
  const books = client.index("library");
  await completeTask(
    books.updateSettings({
      searchableAttributes: ["title"],
      filterableAttributes: ["shelf"],
      displayedAttributes: ["id", "title"],
    }),
    "settings",
  );
  await completeTask(
    books.addDocuments([
      { id: "1", title: "Der Zauberberg", shelf: "a", isbn: "x" },
      { id: "2", title: "Zauberflöte notes", shelf: "b", isbn: "y" },
      { id: "3", title: "Other", shelf: "a", isbn: "z" },
    ]),
    "add",
  );

  const all = await books.search("zauber");
  const filtered = await books.search("zauber", { filter: 'shelf = "b"' });

  assert.deepEqual(
    all.hits.map((hit) => hit.id),
    ["1", "2"],
  );
  assert.deepEqual(filtered.hits, [{ id: "2", title: "Zauberflöte notes" }]);
});

test("stand-in swaps two indexes", async () => {
  await completeTask(client.index("left").addDocuments([{ id: "l" }]), "add");
  await completeTask(client.index("right").addDocuments([{ id: "r" }]), "add");

  await completeTask(
    client.swapIndexes([{ indexes: ["left", "right"], rename: false }]),
    "swap",
  );

  assert.deepEqual([...(standIn.documents("left")?.keys() ?? [])], ["r"]);
  assert.deepEqual([...(standIn.documents("right")?.keys() ?? [])], ["l"]);
});

test("stand-in fails a task on demand", async () => {
  standIn.failNextTask(
    { type: "documentAdditionOrUpdate", indexUid: "doomed" },
    "Index `doomed`: disk full.",
    "no_space_left_on_device",
  );

  const error = await completeTask(
    client.index("doomed").addDocuments([{ id: "1" }]),
    "add 1 document to doomed",
  ).catch((thrown) => thrown);

  assert.ok(error instanceof SearchTaskError);
  assert.equal(error.code, "no_space_left_on_device");
  assert.match(error.message, /add 1 document to doomed/);
  assert.match(error.message, /Index `doomed`: disk full\./);
});

test("stand-in fails a swap with a missing index", async () => {
  const error = await completeTask(
    client.swapIndexes([{ indexes: ["left", "absent"], rename: false }]),
    "swap",
  ).catch((thrown) => thrown);

  assert.ok(error instanceof SearchTaskError);
  assert.equal(error.code, "index_not_found");
});

test("stand-in rejects a wrong API key", async () => {
  const stranger = createSearchClient({
    host: standIn.url,
    apiKey: "wrong",
    postsIndex: "posts",
    usersIndex: "users",
    taskTimeoutMs: 1_000,
  });

  const error = await stranger.getRawIndexes().catch((thrown) => thrown);

  assert.ok(error instanceof MeilisearchApiError);
  assert.equal(error.cause?.code, "invalid_api_key");
});
