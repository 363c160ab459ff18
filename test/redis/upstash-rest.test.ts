import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { Redis as UpstashRedis } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import {
  startUpstashRestServer,
  type UpstashRestServer,
} from "../../lib/local/upstash-rest.ts";
import { createRedisClient } from "../../lib/redis/client.ts";
import { sharedRedisUrl } from "../support/redis.ts";

// Runs against the machine's Redis; every key carries a prefix of its own.
const prefix = `test:${randomBytes(4).toString("hex")}:`;
const token = "test-token";
let rest: UpstashRestServer;
let direct: IORedis;

before(async () => {
  rest = await startUpstashRestServer({ redisUrl: sharedRedisUrl, token });
  direct = new IORedis(sharedRedisUrl);
});

after(async () => {
  const keys = await direct.keys(`${prefix}*`);
  if (keys.length > 0) await direct.del(...keys);
  await direct.quit();
  await rest.stop();
});

function client(): UpstashRedis {
  return createRedisClient({ url: rest.url, token });
}

test("F07 values read back as exact strings", async () => {
  const redis = client();
  const stored = ["106242075399214372653", '{"a":1}', "true"];

  for (const [index, value] of stored.entries()) {
    await redis.set(`${prefix}f07:${index}`, value);
  }
  for (const [index, value] of stored.entries()) {
    const read = await redis.get(`${prefix}f07:${index}`);
    assert.equal(typeof read, "string");
    assert.equal(read, value);
  }
  const many = await redis.mget(stored.map((_, i) => `${prefix}f07:${i}`));
  assert.deepEqual(many, stored);
});

test("single commands reach Redis", async () => {
  const redis = client();
  const key = `${prefix}single`;

  assert.equal(await redis.set(key, "héllo ✓ 😀", { ex: 60 }), "OK");
  assert.equal(await direct.get(key), "héllo ✓ 😀");
  assert.equal(await redis.get(key), "héllo ✓ 😀");
  assert.ok((await redis.ttl(key)) > 0);
  assert.equal(await redis.get(`${prefix}absent`), null);
  assert.equal(await redis.incr(`${prefix}counter`), 1);
  assert.equal(await redis.set(key, "x", { nx: true }), null);
});

test("command errors come back as errors", async () => {
  const redis = client();
  await redis.set(`${prefix}text`, "not a number");

  await assert.rejects(redis.incr(`${prefix}text`), /not an integer/);
});

test("pipeline returns one result per command", async () => {
  const redis = client();
  const key = `${prefix}pipeline`;

  const results = await redis
    .pipeline()
    .set(key, "1")
    .incr(key)
    .get(key)
    .zadd(`${prefix}zset`, { score: 5, member: "m" })
    .zrange(`${prefix}zset`, 0, -1, { withScores: true })
    .exec();

  assert.deepEqual(results, ["OK", 2, "2", 1, ["m", "5"]]);
});

test("pipeline reports a failed command in its entry", async () => {
  const redis = client();
  await redis.set(`${prefix}word`, "abc");

  const results = await redis
    .pipeline()
    .incr(`${prefix}word`)
    .get(`${prefix}word`)
    .exec({ keepErrors: true });

  assert.match(results[0]?.error ?? "", /not an integer/);
  assert.equal(results[1]?.error, undefined);
  assert.equal(results[1]?.result, "abc");
});

test("transaction runs commands in MULTI/EXEC", async () => {
  const redis = client();
  const key = `${prefix}multi`;

  const results = await redis
    .multi()
    .set(key, "a")
    .append(key, "b")
    .get(key)
    .exec();

  assert.deepEqual(results, ["OK", 2, "ab"]);
});

test("request with a wrong token is rejected", async () => {
  const redis = createRedisClient({ url: rest.url, token: "wrong-token" });

  await assert.rejects(redis.get(`${prefix}any`), /Unauthorized/);
  const response = await fetch(rest.url, {
    method: "POST",
    body: JSON.stringify(["ping"]),
  });
  assert.equal(response.status, 401);
});

test("replies are plain text without base64 header", async () => {
  await direct.set(`${prefix}plain`, "plain ✓");

  const response = await fetch(rest.url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify(["get", `${prefix}plain`]),
  });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { result: "plain ✓" });
});

test("malformed requests get a 400 with a reason", async () => {
  const cases = [
    { body: "not json", error: /not valid JSON/ },
    { body: "[]", error: /non-empty JSON array/ },
    { body: '["get", {"a": 1}]', error: /strings or numbers/ },
    { body: '["subscribe", "x"]', error: /not supported/ },
  ];

  for (const { body, error } of cases) {
    const response = await fetch(rest.url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body,
    });
    assert.equal(response.status, 400, body);
    const json = (await response.json()) as { error: string };
    assert.match(json.error, error);
  }
});
