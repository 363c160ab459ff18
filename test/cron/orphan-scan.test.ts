import assert from "node:assert/strict";
import { utimes } from "node:fs/promises";
import { join } from "node:path";
import { after, before, beforeEach, test } from "node:test";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { createHandler } from "../../functions/orphan-scan.ts";
import { listObjectPages } from "../../lib/storage/list-objects.ts";
import {
  type CronServices,
  startCronServices,
} from "./support/cron-services.ts";
import {
  forEachLimited,
  startTestObjectStore,
  type TestObjectStore,
} from "./support/local-s3.ts";
import { LogLines } from "./support/log-lines.ts";
import { RefusingS3Proxy } from "./support/refusing-s3-proxy.ts";

// Full scale: 3,000 objects, of which 2,000 are referenced by posts and 500
// are younger than ORPHAN_MIN_AGE, which leaves 500 orphans (16.7 %, under
// the default limit of 20 %). The first three tests share these objects,
// and only the third deletes any, so it runs after the other two (node:test
// runs the tests of a file one after another, in order).

const bucket = "orphan-test-content";
const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
const referenced = keysOf("posts/a/referenced-", 2_000);
const orphans = keysOf("posts/a/orphan-", 500);
const young = keysOf("posts/b/young-", 500);
let services: CronServices;
let store: TestObjectStore;

before(async () => {
  services = await startCronServices();
  store = await startTestObjectStore(bucket);
  await putObjects([...referenced, ...orphans], twoHoursAgo);
  await putObjects(young);
});
after(async () => {
  await store.dispose();
  await services.dispose();
});
beforeEach(async () => {
  await services.database.pool.query("TRUNCATE posts");
});

function scanEnv(extra: Record<string, string> = {}) {
  return {
    ...services.env,
    ...store.env,
    CONTENT_BUCKET: bucket,
    ...extra,
  };
}

/** Puts objects and sets their LastModified (s3rver reads the file's mtime). */
async function putObjects(keys: readonly string[], modified?: Date) {
  await forEachLimited(keys, 32, async (key) => {
    await store.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }),
    );
    if (modified !== undefined) {
      // s3rver 3.7 keeps an object's bytes in `<bucket>/<key>._S3rver_object`.
      const file = join(store.directory, bucket, `${key}._S3rver_object`);
      await utimes(file, modified, modified);
    }
  });
}

async function referenceKeys(keys: readonly string[]) {
  await services.database.pool.query(
    `INSERT INTO posts (id, author_id, title, storage_key)
     SELECT gen_random_uuid(), gen_random_uuid(), 'Post', key
     FROM unnest($1::text[]) AS key`,
    [keys],
  );
}

async function listKeys(prefix: string): Promise<Set<string>> {
  const keys = new Set<string>();
  for await (const page of listObjectPages(store.s3, bucket, prefix)) {
    for (const object of page) keys.add(object.key);
  }
  return keys;
}

function keysOf(prefix: string, count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `${prefix}${String(i).padStart(5, "0")}`,
  );
}

test("empty posts table: nothing deleted, run fails", async () => {
  await assert.rejects(
    createHandler(scanEnv())({ source: "scheduler" }),
    (error: Error & { figures?: unknown }) => {
      assert.equal(error.name, "DeleteShareExceededError");
      assert.deepEqual(error.figures, {
        scanned: 3_000,
        orphans: 2_500,
        maxDeletePercent: 20,
      });
      assert.match(error.message, /2500 of 3000 scanned objects \(83\.3%\)/);
      assert.match(error.message, /limit of 20%/);
      return true;
    },
  );
  assert.equal((await listKeys("posts/")).size, 3_000);
});

test("dry run deletes nothing and reports", async () => {
  await referenceKeys(referenced);
  const log = new LogLines();

  const result = await createHandler(
    scanEnv({ ORPHAN_SCAN_DRY_RUN: "true" }),
    log.logger,
  )({});

  assert.equal(result.status, "completed");
  assert.equal(result.counts.scanned, 3_000);
  assert.equal(result.counts.orphans, 500);
  assert.equal(result.counts.deleted, 0);
  const [report] = log.withMessage("orphan scan dry run: nothing deleted");
  assert.equal(report?.orphans, 500);
  assert.equal(report?.overLimit, false);
  assert.equal((report?.sampleKeys as string[]).length, 20);
  assert.ok(
    (report?.sampleKeys as string[]).every((key) =>
      key.startsWith("posts/a/orphan-"),
    ),
  );
  assert.equal((await listKeys("posts/")).size, 3_000);
});

test("scan deletes only old unreferenced objects", async () => {
  await referenceKeys(referenced);

  const result = await createHandler(scanEnv())({});

  assert.equal(result.counts.scanned, 3_000);
  assert.equal(result.counts.tooYoung, 500);
  assert.equal(result.counts.referenced, 2_000);
  assert.equal(result.counts.deleted, 500);
  assert.equal(result.counts.deleteFailures, 0);
  const left = await listKeys("posts/");
  assert.equal(left.size, 2_500);
  assert.ok(referenced.every((key) => left.has(key)));
  assert.ok(young.every((key) => left.has(key)));
  assert.ok(orphans.every((key) => !left.has(key)));
});

test("F09 refused key reported as failed", async () => {
  // 2,500 orphans, one of which the store refuses, and 500 referenced
  // objects, scanned on their own prefix with the share limit lifted.
  const batch = keysOf("posts/c/orphan-", 2_500);
  const keep = keysOf("posts/c/kept-", 500);
  await putObjects([...batch, ...keep], twoHoursAgo);
  await referenceKeys(keep);
  const refusedKey = batch[1_234] as string;
  const proxy = await RefusingS3Proxy.start(
    store.env.STORAGE_ENDPOINT as string,
    [refusedKey],
  );

  try {
    const result = await createHandler(
      scanEnv({
        STORAGE_ENDPOINT: proxy.endpoint,
        CONTENT_ALLOWED_PREFIXES: "posts/c/",
        ORPHAN_MAX_DELETE_PERCENT: "100",
      }),
    )({});

    assert.deepEqual(proxy.keysPerDeleteRequest, [1_000, 1_000, 500]);
    assert.equal(result.counts.orphans, 2_500);
    assert.equal(result.counts.deleted, 2_499);
    assert.equal(result.counts.deleteFailures, 1);
    assert.deepEqual(result.details?.failedKeys, [refusedKey]);
    const left = await listKeys("posts/c/orphan-");
    assert.deepEqual([...left], [refusedKey]);
  } finally {
    await proxy.stop();
  }
});
