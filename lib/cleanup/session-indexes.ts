import type { Redis } from "@upstash/redis";

// Removes the members scored (expiry, Unix seconds) before ARGV[1] from one
// sorted set, and deletes the set when none is left. Redis drops an emptied
// set by itself, and the DEL keeps that true on stores that do not. As one
// script it runs atomically, so a session added meanwhile is never deleted.
const pruneScript = `
local removed = redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", "(" .. ARGV[1])
local deleted = 0
if removed > 0 and redis.call("ZCARD", KEYS[1]) == 0 then
  redis.call("DEL", KEYS[1])
  deleted = 1
end
return {removed, deleted}`;

export interface SessionIndexOptions {
  /** Keys are `<prefix><user id>`. */
  keyPrefix: string;
  /** Members scored before this are expired. */
  now: Date;
  /** COUNT hint of each SCAN call. */
  scanCount: number;
}

export interface SessionIndexOutcome {
  /** Session index keys found by SCAN. */
  indexesScanned: number;
  /** Expired session ids removed from them. */
  membersRemoved: number;
  /** Indexes deleted because no session was left. */
  indexesDeleted: number;
}

/**
 * Prunes expired sessions from every per-user session index, a sorted set
 * of session ids scored by expiry. Keys are walked with SCAN, a few per
 * call, because KEYS blocks Redis while it walks the whole keyspace. Each
 * SCAN page is pruned in one pipeline.
 */
export async function pruneSessionIndexes(
  redis: Redis,
  options: SessionIndexOptions,
): Promise<SessionIndexOutcome> {
  const outcome = { indexesScanned: 0, membersRemoved: 0, indexesDeleted: 0 };
  const cutoff = String(Math.floor(options.now.getTime() / 1_000));
  let cursor = "0";

  do {
    const [next, keys] = await redis.scan(cursor, {
      match: `${options.keyPrefix}*`,
      count: options.scanCount,
      type: "zset",
    });
    cursor = String(next);
    if (keys.length === 0) continue;

    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.eval(pruneScript, [key], [cutoff]);
    const replies = (await pipeline.exec()) as [number, number][];

    outcome.indexesScanned += keys.length;
    for (const [removed, deleted] of replies) {
      outcome.membersRemoved += Number(removed);
      outcome.indexesDeleted += Number(deleted);
    }
  } while (cursor !== "0");

  return outcome;
}
