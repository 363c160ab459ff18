import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { Bridge } from "../../lib/bridge/bridge.ts";
import type { BridgeEventMap } from "../../lib/bridge/events.ts";
import {
  InProcessInvoker,
  importFunctionModule,
} from "../../lib/invoke/in-process.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { listObjectPages } from "../../lib/storage/list-objects.ts";
import {
  forEachLimited,
  startTestObjectStore,
  type TestObjectStore,
} from "../cron/support/local-s3.ts";
import { RefusingS3Proxy } from "../cron/support/refusing-s3-proxy.ts";
import {
  deleteStreams,
  readDeadLetters,
  storedCount,
} from "../support/dead-letters.ts";
import { collectEvents, waitForEvent } from "../support/events.ts";
import { connectTo, sharedNatsUrl, testBridgeConfig } from "../support/nats.ts";

// A delete_content job as the Rust server publishes it, through a real
// bridge on the shared nats-server, into the real functions/delete-content.ts
// module against s3rver.

type Succeeded = BridgeEventMap["job.succeeded"][0];
type Retrying = BridgeEventMap["job.retrying"][0];
type DeadLettered = BridgeEventMap["job.dead-lettered"][0];

const bucket = "delete-content-test";
const fixture = new URL(
  "../fixtures/wire/delete-content.keys.json",
  import.meta.url,
);
let store: TestObjectStore;
let connection: NatsConnection;
let jsm: JetStreamManager;

before(async () => {
  store = await startTestObjectStore(bucket);
  connection = await connectTo(sharedNatsUrl);
  jsm = await jetstreamManager(connection);
});
after(async () => {
  await connection.close();
  await store.dispose();
});

/** A bridge on delete-content whose function talks to `storageEndpoint`. */
async function startDeleteBridge(storageEndpoint?: string) {
  const config = testBridgeConfig([sharedNatsUrl], ["delete-content"]);
  const env = {
    ...store.env,
    ...(storageEndpoint === undefined
      ? {}
      : { STORAGE_ENDPOINT: storageEndpoint }),
    CONTENT_BUCKET: bucket,
    LOG_LEVEL: "silent",
  };
  const bridge = await Bridge.start({
    config,
    invoker: new InProcessInvoker(importFunctionModule(env)),
  });
  const address = addressOf("delete-content", config.naming);
  after(async () => {
    await bridge.stop();
    await deleteStreams(jsm, [address.stream, config.naming.deadLetterStream]);
  });

  const publish = (payload: string) =>
    jetstream(connection).publish(address.subject, payload);
  return { bridge, config, address, publish };
}

async function putObjects(keys: readonly string[]) {
  await forEachLimited(keys, 32, (key) =>
    store.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }),
    ),
  );
}

async function listKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of listObjectPages(store.s3, bucket, prefix)) {
    keys.push(...page.map((object) => object.key));
  }
  return keys;
}

test("wire job deletes listed objects", async () => {
  const payload = await readFile(fixture, "utf8");
  const { storage_keys: keys } = JSON.parse(payload) as {
    storage_keys: string[];
  };
  await putObjects(keys);
  const { bridge, address, publish } = await startDeleteBridge();
  const succeeded = waitForEvent<Succeeded>(bridge.events, "job.succeeded");

  await publish(payload);

  const success = await succeeded;
  assert.equal(success.deliveryCount, 1);
  for (const key of keys) {
    assert.deepEqual(await listKeys(key), [], `${key} still stored`);
  }
  assert.equal(await storedCount(jsm, address.stream), 0);
});

test("rejected keys untouched and reported", async () => {
  const listed = ["posts/rejected-case/content.zst"];
  const outside = ["secret/config.json", "users/avatar.webp"];
  await putObjects([...listed, ...outside]);
  const { bridge, config, address, publish } = await startDeleteBridge();
  const deadLettered = waitForEvent<DeadLettered>(
    bridge.events,
    "job.dead-lettered",
  );

  // Compact JSON, as serde_json writes it.
  await publish(
    JSON.stringify({
      storage_keys: [
        ...listed,
        "posts/../secret/config.json",
        "/posts/rejected-case/cover.webp",
        "",
        "users/avatar.webp",
        "posts/rejected-case/nul\u0000.webp",
        "posts/rejected-case/del\u007f.webp",
        `posts/rejected-case/${"a".repeat(1010)}`,
      ],
    }),
  );

  const dead = await deadLettered;
  assert.equal(dead.kind, "permanent");
  assert.equal(dead.deliveryCount, 1);
  assert.match(
    dead.reason,
    /"posts\/\.\.\/secret\/config\.json": key contains \.\./,
  );
  assert.match(
    dead.reason,
    /"\/posts\/rejected-case\/cover\.webp": key starts with \//,
  );
  assert.match(dead.reason, /"": key is empty/);
  assert.match(dead.reason, /"users\/avatar\.webp": key is outside/);
  assert.ok(
    dead.reason.includes(
      '"posts/rejected-case/nul\\u0000.webp": key contains control character U+0000 at index 23',
    ),
    dead.reason,
  );
  assert.ok(
    dead.reason.includes(
      '"posts/rejected-case/del\\u007f.webp": key contains control character U+007F at index 23',
    ),
    dead.reason,
  );
  assert.match(
    dead.reason,
    /key is 1030 bytes of UTF-8, more than the maximum 1024/,
  );
  assert.doesNotMatch(dead.reason, /[\u0000\u007f]/);
  assert.deepEqual(await listKeys("posts/rejected-case/"), []);
  assert.deepEqual(await listKeys("secret/"), ["secret/config.json"]);
  assert.deepEqual(await listKeys("users/"), ["users/avatar.webp"]);

  const [letter, ...more] = await readDeadLetters(
    jsm,
    config.naming.deadLetterStream,
  );
  assert.equal(more.length, 0);
  assert.match(letter?.lastError ?? "", /key is empty/);
  assert.equal(await storedCount(jsm, address.stream), 0);
});

test("F09 refused key retried alone", async () => {
  const keys = Array.from(
    { length: 2_500 },
    (_, i) => `posts/f09/${String(i).padStart(5, "0")}.zst`,
  );
  await putObjects(keys);
  const refusedKey = keys[1_234] as string;
  const proxy = await RefusingS3Proxy.start(store.env.STORAGE_ENDPOINT ?? "", [
    refusedKey,
  ]);
  after(() => proxy.stop());
  const { bridge, config, address, publish } = await startDeleteBridge(
    proxy.endpoint,
  );
  const succeeded = waitForEvent<Succeeded>(bridge.events, "job.succeeded");
  const retries = collectEvents<Retrying>(bridge.events, "job.retrying", 5);
  const deadLettered = waitForEvent<DeadLettered>(
    bridge.events,
    "job.dead-lettered",
  );

  await publish(JSON.stringify({ storage_keys: keys }));

  // The job deletes what the store allows and succeeds. A follow-up job
  // carries the refused key alone and fails on every delivery, so it is
  // dead-lettered with the key and the store's error code as its reason.
  const success = await succeeded;
  assert.equal(success.sequence, 1);
  const dead = await deadLettered;
  assert.equal(dead.sequence, 2);
  assert.equal(dead.kind, "exhausted");
  assert.equal(dead.deliveryCount, 6);
  assert.match(dead.reason, /store did not delete keys/);
  assert.match(dead.reason, /"posts\/f09\/01234\.zst": AccessDenied/);
  for (const retry of await retries) {
    assert.equal(retry.sequence, 2);
    assert.match(retry.reason, /"posts\/f09\/01234\.zst": AccessDenied/);
  }

  // Under load the SDK may send a request again after its timeout, so a
  // chunk can repeat. The checks are on chunk sizes and on what is resent.
  for (const size of proxy.keysPerDeleteRequest) assert.ok(size <= 1_000);
  const firstSingle = proxy.deleteRequests.findIndex(
    (requestKeys) => requestKeys.length === 1,
  );
  const chunks = new Map(
    proxy.deleteRequests
      .slice(0, firstSingle)
      .map((requestKeys) => [requestKeys.join("\n"), requestKeys.length]),
  );
  assert.deepEqual([...chunks.values()], [1_000, 1_000, 500]);
  const resent = proxy.deleteRequests.slice(firstSingle);
  assert.ok(resent.length >= 6, `${resent.length} single-key requests`);
  for (const requestKeys of resent) assert.deepEqual(requestKeys, [refusedKey]);
  assert.deepEqual(await listKeys("posts/f09/"), [refusedKey]);

  const letters = await readDeadLetters(jsm, config.naming.deadLetterStream);
  assert.equal(letters.length, 1);
  assert.deepEqual(JSON.parse(Buffer.from(letters[0]?.data ?? []).toString()), {
    storage_keys: [refusedKey],
  });
  assert.equal(await storedCount(jsm, address.stream), 0);
});
