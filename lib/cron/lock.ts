import { randomUUID } from "node:crypto";
import type { Redis } from "@upstash/redis";

// Deletes the key only while it still holds our token, so a run whose lock
// expired never removes the lock a later run has taken since.
const releaseScript = `
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`;

/** A lock this run holds. */
export interface HeldLock {
  key: string;
  /** Unique per run: `<start time>/<uuid>`, so a log shows who holds it. */
  token: string;
}

export type LockAttempt =
  | { acquired: true; lock: HeldLock }
  | { acquired: false; key: string; heldBy: string | null };

/**
 * The overlap lock of one cron in Redis: `SET key token NX PX ttl`. The TTL
 * must be longer than the function timeout, so the lock is never released
 * by expiry while its run can still be working.
 */
export class CronLock {
  readonly #redis: Redis;
  readonly key: string;
  readonly ttlMs: number;

  constructor(redis: Redis, key: string, ttlMs: number) {
    this.#redis = redis;
    this.key = key;
    this.ttlMs = ttlMs;
  }

  /** Takes the lock, or returns who holds it when it is taken. */
  async acquire(now: Date = new Date()): Promise<LockAttempt> {
    const token = `${now.toISOString()}/${randomUUID()}`;
    const reply = await this.#redis.set(this.key, token, {
      nx: true,
      px: this.ttlMs,
    });
    if (reply === "OK") {
      return { acquired: true, lock: { key: this.key, token } };
    }

    const heldBy = await this.#redis.get<string>(this.key);
    return { acquired: false, key: this.key, heldBy };
  }

  /**
   * Releases the lock if it still holds this run's token. Returns false when
   * it expired or another run holds it now; the caller logs that.
   */
  async release(lock: HeldLock): Promise<boolean> {
    const deleted = await this.#redis.eval<string[], number>(
      releaseScript,
      [lock.key],
      [lock.token],
    );
    return Number(deleted) === 1;
  }
}
