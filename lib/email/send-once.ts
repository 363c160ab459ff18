import { randomUUID } from "node:crypto";
import type { Redis } from "@upstash/redis";
import type { JobRecord } from "../contract.ts";

// Send-once bookkeeping in Redis. A delivery claims the job's key before it
// sends and marks it sent after SES accepts, so a redelivered job whose mail
// already went out is acked without a second send.
//
// NOTE: a process that dies after SES accepts the mail but before the key
// is marked sent leaves only the claim; once the claim expires, a retry
// sends the mail a second time.

/** Seconds a claim lasts: above the email function's 20 s timeout. */
const defaultClaimSeconds = 60;

const releaseScript = `
if redis.call("get", KEYS[1]) == ARGV[1] then
  return redis.call("del", KEYS[1])
end
return 0`;

export type ClaimOutcome =
  | { status: "claimed"; release(): Promise<void> }
  | { status: "sent"; messageId: string }
  | { status: "in-progress" };

export interface SendOnceOptions {
  /** Seconds a sent mail's key is kept, blocking a resend. */
  sentTtlSeconds: number;
  /** Seconds a claim lasts if its holder dies before it finishes [60]. */
  claimTtlSeconds?: number;
  /** [email:sent:] */
  keyPrefix?: string;
}

/** A Redis client, or a function that returns one, called before each use. */
export type RedisClientSource = Redis | (() => Promise<Redis>);

export class SendOnceLedger {
  readonly #redis: RedisClientSource;
  readonly #sentTtlSeconds: number;
  readonly #claimTtlSeconds: number;
  readonly #keyPrefix: string;

  constructor(redis: RedisClientSource, options: SendOnceOptions) {
    this.#redis = redis;
    this.#sentTtlSeconds = options.sentTtlSeconds;
    this.#claimTtlSeconds = options.claimTtlSeconds ?? defaultClaimSeconds;
    this.#keyPrefix = options.keyPrefix ?? "email:sent:";
  }

  /**
   * Derives a job's key from its stream and stream sequence (the record id), plus
   * the publish time, so a stream that is deleted and created again does
   * not collide with keys its old sequences left behind.
   */
  keyFor(record: Pick<JobRecord, "id" | "publishedAt">): string {
    const publishedMs = Date.parse(record.publishedAt);
    return `${this.#keyPrefix}${record.id}:${publishedMs}`;
  }

  /**
   * Claims the key for this delivery. `sent` means the mail went out on an
   * earlier delivery, and `in-progress` means another delivery has the claim.
   */
  async claim(key: string): Promise<ClaimOutcome> {
    const value = `claimed:${randomUUID()}`;
    const redis = await this.#client();
    for (let tries = 0; tries < 2; tries++) {
      const set = await redis.set(key, value, {
        nx: true,
        ex: this.#claimTtlSeconds,
      });
      if (set === "OK") {
        return { status: "claimed", release: () => this.#release(key, value) };
      }

      const current = await redis.get<string>(key);
      if (current?.startsWith("sent:")) {
        return { status: "sent", messageId: current.slice("sent:".length) };
      }
      // A claim that expired between SET and GET: try to claim once more.
      if (current !== null) return { status: "in-progress" };
    }
    return { status: "in-progress" };
  }

  /** Records that SES accepted the mail; kept for the sent TTL. */
  async markSent(key: string, messageId: string): Promise<void> {
    const redis = await this.#client();
    await redis.set(key, `sent:${messageId}`, {
      ex: this.#sentTtlSeconds,
    });
  }

  /** Drops our own claim after a failed send, so a retry can claim at once. */
  async #release(key: string, value: string): Promise<void> {
    const redis = await this.#client();
    await redis.eval(releaseScript, [key], [value]);
  }

  async #client(): Promise<Redis> {
    return typeof this.#redis === "function" ? this.#redis() : this.#redis;
  }
}
