import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { Redis as IORedis } from "ioredis";
import { cronCatalogue, lockTtlSeconds } from "../../lib/cron/catalogue.ts";
import { CronLock } from "../../lib/cron/lock.ts";
import {
  startUpstashRestServer,
  type UpstashRestServer,
} from "../../lib/local/upstash-rest.ts";
import { createRedisClient } from "../../lib/redis/client.ts";
import { sharedRedisUrl } from "../support/redis.ts";

const keyPrefix = `test:${randomBytes(4).toString("hex")}:lock:`;
const token = "lock-test-token";
let rest: UpstashRestServer;
let direct: IORedis;

before(async () => {
  rest = await startUpstashRestServer({ redisUrl: sharedRedisUrl, token });
  direct = new IORedis(sharedRedisUrl);
});
after(async () => {
  const keys = await direct.keys(`${keyPrefix}*`);
  if (keys.length > 0) await direct.del(...keys);
  await direct.quit();
  await rest.stop();
});

function lockFor(name: string, ttlMs: number): CronLock {
  const redis = createRedisClient({ url: rest.url, token });
  return new CronLock(redis, `${keyPrefix}${name}`, ttlMs);
}

test("lock expiry outlives the function timeout", async () => {
  const cron = cronCatalogue.sitemap;
  const lock = lockFor("expiry", lockTtlSeconds(cron) * 1_000);

  const attempt = await lock.acquire();
  assert.equal(attempt.acquired, true);

  const remainingMs = await direct.pttl(`${keyPrefix}expiry`);
  assert.ok(remainingMs > cron.timeoutSeconds * 1_000);
  assert.ok(remainingMs <= lockTtlSeconds(cron) * 1_000);
});

test("second acquire reports the holder", async () => {
  const lock = lockFor("holder", 60_000);

  const first = await lock.acquire();
  const second = await lock.acquire();

  assert.equal(first.acquired, true);
  assert.equal(second.acquired, false);
  if (first.acquired && !second.acquired) {
    assert.equal(second.heldBy, first.lock.token);
  }
});

test("release leaves a lock taken over by another run", async () => {
  const lock = lockFor("takeover", 60_000);
  const first = await lock.acquire();
  assert.ok(first.acquired);

  // The first run's lock expired and a second run took it.
  await direct.set(`${keyPrefix}takeover`, "second-run", "PX", 60_000);

  assert.equal(await lock.release(first.lock), false);
  assert.equal(await direct.get(`${keyPrefix}takeover`), "second-run");
});

test("release frees a lock still held", async () => {
  const lock = lockFor("release", 60_000);
  const first = await lock.acquire();
  assert.ok(first.acquired);

  assert.equal(await lock.release(first.lock), true);
  assert.equal(await direct.exists(`${keyPrefix}release`), 0);
  const again = await lock.acquire();
  assert.equal(again.acquired, true);
});
