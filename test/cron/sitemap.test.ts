import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { createHandler } from "../../functions/sitemap.ts";
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
import { parseSitemapIndex, parseUrlset } from "./support/sitemap-xml.ts";

// Runs at the protocol's real limit of 50,000 URLs per file, except the
// last test, which sets SITEMAP_URLS_PER_FILE to 1,000 for many files.

const bucket = "sitemap-test-public";
const frontendHost = "https://example.com/café";
const publicDomain = "cdn.example.com";
let services: CronServices;
let store: TestObjectStore;

before(async () => {
  services = await startCronServices();
  store = await startTestObjectStore(bucket);
});
after(async () => {
  await store.dispose();
  await services.dispose();
});

function runSitemap(extra: Record<string, string> = {}) {
  return createHandler({
    ...services.env,
    ...store.env,
    PUBLIC_BUCKET: bucket,
    FRONTEND_HOST: frontendHost,
    R2_PUBLIC_DOMAIN: publicDomain,
    ...extra,
  })({ source: "scheduler" });
}

async function readObject(key: string): Promise<string> {
  const object = await store.s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: key }),
  );
  return (await object.Body?.transformToString()) ?? "";
}

async function listKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of listObjectPages(store.s3, bucket, prefix)) {
    keys.push(...page.map((object) => object.key));
  }
  return keys.sort();
}

async function insertPosts(count: number) {
  await services.database.pool.query(
    `INSERT INTO posts (id, author_id, title, storage_key, updated_at)
     SELECT gen_random_uuid(), gen_random_uuid(), 'Post ' || i,
            'posts/' || i, now() - i * interval '1 minute'
     FROM generate_series(1, $1) AS i`,
    [count],
  );
}

async function readIndex() {
  return parseSitemapIndex(await readObject("sitemaps/sitemap-index.xml"));
}

test("F08 zero posts: empty index, stale files gone", async () => {
  // 2,345 leftover files: the listing takes three pages of at most 1,000.
  const leftovers = Array.from(
    { length: 2_345 },
    (_, i) => `sitemaps/sitemap-${i + 1}.xml`,
  );
  await forEachLimited(leftovers, 32, (key) =>
    store.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: "<urlset/>" }),
    ),
  );

  const first = await runSitemap();

  assert.equal(first.status, "completed");
  assert.equal(first.counts.posts, 0);
  assert.equal(first.counts.files, 0);
  assert.equal(first.counts.staleDeleted, 2_345);
  assert.deepEqual(await readIndex(), []);
  assert.deepEqual(await listKeys("sitemaps/"), ["sitemaps/sitemap-index.xml"]);
  const head = await store.s3.send(
    new HeadObjectCommand({
      Bucket: bucket,
      Key: "sitemaps/sitemap-index.xml",
    }),
  );
  assert.equal(head.ContentType, "application/xml");

  const second = await runSitemap();
  assert.equal(second.counts.staleDeleted, 0);
});

test("F12 one post: its URL and lastmod", async () => {
  const id = "0190a4f2-1b2c-7d3e-8f40-123456789abc";
  await services.database.pool.query(
    `INSERT INTO posts (id, author_id, title, storage_key, updated_at)
     VALUES ($1, gen_random_uuid(), 'One', 'posts/one', '2024-03-10 14:05:00+00')`,
    [id],
  );

  const result = await runSitemap();

  assert.equal(result.counts.files, 1);
  const [entry, ...rest] = parseUrlset(
    await readObject("sitemaps/sitemap-1.xml"),
  );
  assert.deepEqual(rest, []);
  assert.equal(entry?.loc, `https://example.com/caf%C3%A9/posts/${id}`);
  assert.equal(entry?.lastmod, "2024-03-10T14:05:00+00:00");
  const head = await store.s3.send(
    new HeadObjectCommand({ Bucket: bucket, Key: "sitemaps/sitemap-1.xml" }),
  );
  assert.equal(head.ContentType, "application/xml");
  assert.deepEqual(await readIndex(), [
    {
      loc: "https://cdn.example.com/sitemaps/sitemap-1.xml",
      lastmod: "2024-03-10T14:05:00+00:00",
    },
  ]);
});

test("F11 exactly 50,000 posts: one file", async () => {
  await insertPosts(49_999);

  const result = await runSitemap();

  assert.equal(result.counts.posts, 50_000);
  assert.equal(result.counts.files, 1);
  const urls = parseUrlset(await readObject("sitemaps/sitemap-1.xml"));
  assert.equal(urls.length, 50_000);
  assert.equal((await readIndex()).length, 1);
});

test("F11 100,001 posts: three files", async () => {
  await insertPosts(50_001);

  const result = await runSitemap();

  assert.equal(result.counts.files, 3);
  const locs = new Set<string>();
  const counts: number[] = [];
  for (const n of [1, 2, 3]) {
    const urls = parseUrlset(await readObject(`sitemaps/sitemap-${n}.xml`));
    counts.push(urls.length);
    for (const url of urls) locs.add(url.loc);
  }
  assert.deepEqual(counts, [50_000, 50_000, 1]);
  assert.equal(locs.size, 100_001);

  const index = await readIndex();
  assert.deepEqual(
    index.map((entry) => entry.loc),
    [1, 2, 3].map((n) => `https://cdn.example.com/sitemaps/sitemap-${n}.xml`),
  );
});

test("lower per-file limit, then stale files deleted", async () => {
  const many = await runSitemap({ SITEMAP_URLS_PER_FILE: "1000" });
  assert.equal(many.counts.files, 101);
  assert.equal((await readIndex()).length, 101);

  const few = await runSitemap();

  assert.equal(few.counts.files, 3);
  assert.equal(few.counts.staleDeleted, 98);
  const keys = await listKeys("sitemaps/");
  assert.deepEqual(keys, [
    "sitemaps/sitemap-1.xml",
    "sitemaps/sitemap-2.xml",
    "sitemaps/sitemap-3.xml",
    "sitemaps/sitemap-index.xml",
  ]);
});
