import { randomUUID } from "node:crypto";
import type { JetStreamClient } from "@nats-io/jetstream";
import { eventually } from "../../support/events.ts";
import type { FunctionRecord } from "./bridge-process.ts";

/** Fresh post ids, one per index-post job a test publishes. */
export function newPostIds(count: number): string[] {
  return Array.from({ length: count }, () => randomUUID());
}

export function indexPostPayload(postId: string): string {
  return JSON.stringify({ post_id: postId, action: "Index" });
}

/** The post id of the index-post job a function line is about. */
export function postIdOf(line: FunctionRecord): string {
  return (line.job as { post_id: string }).post_id;
}

/** Publishes one index-post job per post id, `chunk` publishes at a time. */
export async function publishIndexPosts(
  js: JetStreamClient,
  subject: string,
  postIds: readonly string[],
  chunk = 250,
): Promise<void> {
  for (let start = 0; start < postIds.length; start += chunk) {
    const part = postIds.slice(start, start + chunk);
    await Promise.all(
      part.map((postId) =>
        js.publish(subject, indexPostPayload(postId), { msgID: postId }),
      ),
    );
  }
}

/**
 * Publishes one message, retrying while the server restarts or the stream
 * is missing. The message id keeps a retried publish from storing it twice.
 */
export async function publishUntilStored(
  js: JetStreamClient,
  subject: string,
  payload: string,
  msgID: string,
): Promise<number> {
  let sequence = 0;
  await eventually(async () => {
    try {
      const ack = await js.publish(subject, payload, {
        msgID,
        timeout: 2_000,
      });
      sequence = ack.seq;
      return true;
    } catch {
      // No server or no stream yet: no responders, or the publish timed out.
      return false;
    }
  }, 60_000);
  return sequence;
}
