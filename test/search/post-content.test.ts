import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { putObject } from "../../lib/db/seed.ts";
import { isPermanent } from "../../lib/errors.ts";
import {
  encodePostContent,
  readPostContent,
  UnreadableContentError,
} from "../../lib/search/post-content.ts";
import { type SearchStack, startSearchStack } from "../support/meilisearch.ts";

let stack: SearchStack;
before(async () => {
  stack = await startSearchStack();
});
after(() => stack.dispose());

function read(key: string) {
  return readPostContent(stack.content.s3, {
    bucket: stack.content.bucket,
    key,
  });
}

test("content decodes zstd UTF-8 text", async () => {
  const text = "Grüße from Zürich: 日本語 and emoji 🎉";
  await putObject(stack.content, "posts/a.zst", await encodePostContent(text));

  assert.equal(await read("posts/a.zst"), text);
});

test("content rejects a missing object", async () => {
  const error = await read("posts/missing.zst").catch((thrown) => thrown);

  assert.ok(error instanceof UnreadableContentError);
  assert.equal(isPermanent(error), true);
  assert.equal(error.key, "posts/missing.zst");
  assert.match(error.message, /posts\/missing\.zst not found/);
});

test("content rejects bytes that are not zstd", async () => {
  await putObject(stack.content, "posts/plain.zst", Buffer.from("plain text"));

  const error = await read("posts/plain.zst").catch((thrown) => thrown);

  assert.ok(error instanceof UnreadableContentError);
  assert.equal(isPermanent(error), true);
  assert.match(error.message, /is not valid zstd/);
});

test("content rejects a truncated zstd frame", async () => {
  const whole = await encodePostContent("a body long enough to cut ".repeat(9));
  await putObject(stack.content, "posts/cut.zst", whole.subarray(0, 12));

  const error = await read("posts/cut.zst").catch((thrown) => thrown);

  assert.ok(error instanceof UnreadableContentError);
  assert.match(error.message, /is not valid zstd/);
});

test("content rejects text that is not UTF-8", async () => {
  const latin1 = Buffer.from("caf\xe9", "latin1");
  const { zstdCompressSync } = await import("node:zlib");
  await putObject(stack.content, "posts/latin1.zst", zstdCompressSync(latin1));

  const error = await read("posts/latin1.zst").catch((thrown) => thrown);

  assert.ok(error instanceof UnreadableContentError);
  assert.equal(isPermanent(error), true);
  assert.match(error.message, /is not valid UTF-8/);
});

test("content store outage is retryable", async () => {
  const { S3Client } = await import("@aws-sdk/client-s3");
  const closed = new S3Client({
    endpoint: "http://127.0.0.1:9",
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
    maxAttempts: 1,
  });

  const error = await readPostContent(closed, {
    bucket: "content",
    key: "posts/a.zst",
  }).catch((thrown) => thrown);
  closed.destroy();

  assert.ok(error instanceof Error);
  assert.equal(isPermanent(error), false);
});
