import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { deadLetterHeaders } from "../dead-letter-headers.ts";
import { toError } from "../errors.ts";
import { isJobTypeName } from "../jobs/catalogue.ts";
import { decodeJob } from "../jobs/decode.ts";
import { addressOf, type Naming } from "../jobs/naming.ts";
import type { StoredDeadLetter } from "./dead-letters.ts";

export interface ReplayOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  naming: Naming;
  /** Maximum dead letters republished per second; unlimited when absent. */
  ratePerSecond?: number;
  /** When true, payloads that fail the job type's schema are replayed too. */
  force?: boolean;
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
 * Republishes each dead letter's original payload to its job type's subject
 * and deletes the dead letter once the job stream has acknowledged the
 * publish. A dead letter that `checkReplay` rejects is reported and left in
 * place. The message id comes from the dead letter's sequence and stored
 * time. So when a replay is killed between the publish and the delete,
 * running it again does not store the job twice, as long as it runs within
 * the job stream's duplicate window (2 minutes unless the stream sets
 * another).
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
  const check = checkReplay(deadLetter, options.naming, options.force);
  if (!check.ok) throw new Error(check.reason);
  const ack = await options.js.publish(check.subject, deadLetter.payload, {
    msgID: replayMessageId(options.naming, deadLetter),
  });
  await options.jsm.streams.deleteMessage(
    options.naming.deadLetterStream,
    deadLetter.sequence,
    false,
  );
  return ack.duplicate;
}

/**
 * Builds the message id a replayed dead letter is published with. The
 * stored time keeps it unique when the dead-letter stream is deleted and
 * created again, which restarts its sequences.
 */
export function replayMessageId(
  naming: Naming,
  deadLetter: Pick<StoredDeadLetter, "sequence" | "storedAtNanos">,
): string {
  return `replay:${naming.deadLetterStream}:${deadLetter.sequence}:${deadLetter.storedAtNanos}`;
}

export type ReplayCheck =
  | { ok: true; subject: string }
  | { ok: false; reason: string };

/**
 * Returns the subject a dead letter is replayed to: its job type's subject
 * under the configured prefix, and nothing else. The headers come from
 * whoever published to the dead-letter subjects, so a letter naming another
 * original subject (a JetStream API subject, say) or an unknown job type is
 * rejected, and so is a payload that fails the job type's schema unless
 * `force` is set.
 */
export function checkReplay(
  deadLetter: StoredDeadLetter,
  naming: Naming,
  force = false,
): ReplayCheck {
  const { jobType, originalSubject } = deadLetter;
  if (!isJobTypeName(jobType)) {
    return {
      ok: false,
      reason: `unknown job type ${JSON.stringify(jobType)} in header ${deadLetterHeaders.jobType}`,
    };
  }

  const { subject } = addressOf(jobType, naming);
  if (originalSubject !== "" && originalSubject !== subject) {
    return {
      ok: false,
      reason: `original subject ${JSON.stringify(originalSubject)} is not ${jobType}'s job subject "${subject}"`,
    };
  }

  if (!force) {
    const decoded = decodeJob(jobType, deadLetter.payload);
    if (!decoded.ok) {
      return {
        ok: false,
        reason:
          `invalid ${jobType} payload (${decoded.reason}). Correct the ` +
          `payload that \`dlq show ${deadLetter.sequence}\` prints, publish ` +
          `it with \`publish ${jobType} <file>\`, then delete this dead ` +
          `letter with \`dlq purge ${deadLetter.sequence} --yes\`; or ` +
          "replay it unchanged with --force",
      };
    }
  }
  return { ok: true, subject };
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
