import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { freePort } from "../../lib/local/free-port.ts";
import { RedisServer } from "../../lib/local/redis-server.ts";
import { startRedis } from "../../lib/local/services.ts";
import { createRedisClient } from "../../lib/redis/client.ts";

const dataDir = await mkdtemp(join(tmpdir(), "redis-service-"));
after(() => rm(dataDir, { recursive: true, force: true }));

test("startRedis exports a working REST endpoint", async () => {
  const service = await startRedis({ env: {}, dataDir });
  after(() => service.stop());

  // The tests' Redis on 127.0.0.1:6379 is reused behind a new endpoint.
  assert.equal(service.reused, true);
  assert.equal(service.url, "redis://127.0.0.1:6379");
  assert.equal(service.details?.restUrl, service.env.UPSTASH_REDIS_REST_URL);
  const url = service.env.UPSTASH_REDIS_REST_URL ?? "";
  const token = service.env.UPSTASH_REDIS_REST_TOKEN ?? "";
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(token.length > 0);
  const redis = createRedisClient({ url, token });
  assert.equal(await redis.ping(), "PONG");
});

test("startRedis reuses a set REST URL", async () => {
  const url = "http://127.0.0.1:1";
  const service = await startRedis({
    env: { UPSTASH_REDIS_REST_URL: url },
    dataDir,
  });

  assert.equal(service.reused, true);
  assert.equal(service.url, url);
});

test("startRedis rejects an unreachable REDIS_URL", async () => {
  const port = await freePort();

  await assert.rejects(
    startRedis({ env: { REDIS_URL: `redis://127.0.0.1:${port}` }, dataDir }),
    /does not accept connections/,
  );
});

test("own redis-server serves the REST proxy", async () => {
  const server = await RedisServer.start({ directory: join(dataDir, "own") });
  after(() => server.stop());
  const service = await startRedis({
    env: { REDIS_URL: server.url, UPSTASH_REDIS_REST_TOKEN: "own-token" },
    dataDir,
  });
  after(() => service.stop());

  assert.equal(service.env.UPSTASH_REDIS_REST_TOKEN, "own-token");
  assert.doesNotMatch(
    JSON.stringify({ url: service.url, ...service.details }),
    /own-token/,
  );
  const redis = createRedisClient({
    url: service.env.UPSTASH_REDIS_REST_URL ?? "",
    token: "own-token",
  });
  await redis.set("key", "value");
  assert.equal(await redis.get("key"), "value");
  assert.equal(await redis.dbsize(), 1);
});
