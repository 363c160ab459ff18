import { randomBytes } from "node:crypto";
import { Redis as IORedis } from "ioredis";
import type { EnvSource } from "../../lib/config/env-reader.ts";
import type { JobRecord } from "../../lib/contract.ts";
import { LocalSes, localSesCredentials } from "../../lib/local/ses-server.ts";
import {
  startUpstashRestServer,
  type UpstashRestServer,
} from "../../lib/local/upstash-rest.ts";
import { sharedRedisUrl } from "../support/redis.ts";

/** One mail as the local SES stores it (`GET /store`). */
export interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
}

/** Reads every mail the local SES has stored. */
export async function storedEmails(endpoint: string): Promise<StoredEmail[]> {
  const response = await fetch(`${endpoint}/store`);
  if (!response.ok) throw new Error(`GET /store returned ${response.status}`);
  const store = (await response.json()) as { emails: StoredEmail[] };
  return store.emails;
}

/** Mails stored for one recipient. */
export async function emailsTo(
  endpoint: string,
  recipient: string,
): Promise<StoredEmail[]> {
  const emails = await storedEmails(endpoint);
  return emails.filter((email) => email.destination.to.includes(recipient));
}

/** Decodes RFC 2047 base64 encoded words, as a mail client shows them. */
export function decodeEncodedWords(header: string): string {
  return header
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=/gi, (_, base64: string) =>
      Buffer.from(base64, "base64").toString("utf8"),
    );
}

/** Returns a recipient address no other test uses. */
export function uniqueRecipient(): string {
  return `user-${randomBytes(4).toString("hex")}@example.com`;
}

/** Builds a record as the bridge hands it over, from a stream of its own. */
export function emailRecord<Job>(
  job: Job,
  streamPrefix = "test",
): JobRecord<Job> {
  const stream = `${streamPrefix}${randomBytes(4).toString("hex")}_email`;
  return {
    id: `${stream}:1`,
    subject: "test.jobs.email",
    deliveryCount: 1,
    publishedAt: new Date().toISOString(),
    job,
  };
}

export const fromName = "Sévén Wiki ✉";

/**
 * The local SES and the REST proxy in front of the machine's Redis, and the
 * environment the email function reads.
 */
export interface EmailTestServices {
  ses: LocalSes;
  rest: UpstashRestServer;
  redis: IORedis;
  env(overrides?: Record<string, string>): EnvSource;
  /** A record whose send-once key `stop` deletes. */
  record<Job>(job: Job): JobRecord<Job>;
  stop(): Promise<void>;
}

export async function startEmailTestServices(): Promise<EmailTestServices> {
  const ses = await LocalSes.start();
  const token = randomBytes(8).toString("hex");
  const rest = await startUpstashRestServer({
    redisUrl: sharedRedisUrl,
    token,
  });
  const redis = new IORedis(sharedRedisUrl);
  const streamPrefix = `test${randomBytes(3).toString("hex")}x`;

  return {
    ses,
    rest,
    redis,
    env: (overrides = {}) => ({
      EMAILS_FROM_EMAIL: "noreply@example.com",
      EMAILS_FROM_NAME: fromName,
      PROJECT_NAME: "SevenWiki",
      FRONTEND_HOST: "https://app.example.com",
      SES_ENDPOINT: ses.endpoint,
      SES_REGION: "us-east-1",
      SES_ACCESS_KEY_ID: localSesCredentials.accessKeyId,
      SES_SECRET_ACCESS_KEY: localSesCredentials.secretAccessKey,
      UPSTASH_REDIS_REST_URL: rest.url,
      UPSTASH_REDIS_REST_TOKEN: token,
      ...overrides,
    }),
    record: (job) => emailRecord(job, streamPrefix),
    async stop() {
      const keys = await redis.keys(`email:sent:${streamPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
      await rest.stop();
      await ses.stop();
    },
  };
}
