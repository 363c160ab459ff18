import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { toError } from "../errors.ts";
import { isJobTypeName } from "../jobs/catalogue.ts";
import { addressOf, type Naming } from "../jobs/naming.ts";
import type { StoredDeadLetter } from "./dead-letters.ts";

export interface ReplayOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  naming: Naming;
  /** Maximum dead letters republished per second; unlimited when absent. */
  ratePerSecond?: number;
  /** Called after each dead letter, replayed or not. */
  onProgress?: (done: number) => void;
}

export interface ReplayFailure {
  sequence: number;
  reason: string;
}

export interface ReplayResult {
  replayed: number;
  /** Replayed dead letters the job stream had already stored (a re-run). */
  duplicates: number;
  failures: ReplayFailure[];
}

/**
 * Republishes each dead letter's original payload to its original subject
 * and deletes the dead letter once the job stream has acknowledged the
 * publish. The message id comes from the dead letter's own sequence. So
 * when a replay is killed between the publish and the delete, running it
 * again does not store the job twice, as long as it runs within the job
 * stream's duplicate window (2 minutes unless the stream sets another).
 */
export async function replayDeadLetters(
  deadLetters: AsyncIterable<StoredDeadLetter>,
  options: ReplayOptions,
): Promise<ReplayResult> {
  const result: ReplayResult = { replayed: 0, duplicates: 0, failures: [] };
  const startedAt = performance.now();
  let done = 0;

  for await (const deadLetter of deadLetters) {
    await waitForRate(options.ratePerSecond, done, startedAt);
    try {
      const duplicate = await replayOne(deadLetter, options);
      result.replayed++;
      if (duplicate) result.duplicates++;
    } catch (error) {
      result.failures.push({
        sequence: deadLetter.sequence,
        reason: toError(error).message,
      });
    }
    done++;
    options.onProgress?.(done);
  }
  return result;
}

async function replayOne(
  deadLetter: StoredDeadLetter,
  options: ReplayOptions,
): Promise<boolean> {
  const subject = replaySubject(deadLetter, options.naming);
  const ack = await options.js.publish(subject, deadLetter.payload, {
    msgID: replayMessageId(options.naming, deadLetter.sequence),
  });
  await options.jsm.streams.deleteMessage(
    options.naming.deadLetterStream,
    deadLetter.sequence,
    false,
  );
  return ack.duplicate;
}

/** Builds the message id a replayed dead letter is published with. */
export function replayMessageId(naming: Naming, sequence: number): string {
  return `replay:${naming.deadLetterStream}:${sequence}`;
}

/**
 * Returns the subject the job was first published to. A dead letter without
 * that header is sent to its job type's subject.
 */
function replaySubject(deadLetter: StoredDeadLetter, naming: Naming): string {
  if (deadLetter.originalSubject !== "") return deadLetter.originalSubject;
  if (isJobTypeName(deadLetter.jobType)) {
    return addressOf(deadLetter.jobType, naming).subject;
  }
  throw new Error(
    "dead letter names neither its original subject nor a known job type",
  );
}

async function waitForRate(
  ratePerSecond: number | undefined,
  done: number,
  startedAt: number,
): Promise<void> {
  if (ratePerSecond === undefined) return;
  const dueAt = startedAt + (done * 1000) / ratePerSecond;
  const waitMs = dueAt - performance.now();
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
}
