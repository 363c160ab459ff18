import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import {
  type FollowUpJob,
  type JobRecord,
  type JobResult,
  type RecordFailure,
  recordIdOf,
} from "../contract.ts";
import { toError } from "../errors.ts";
import type { InvokeOutcome, Invoker } from "../invoke/invoker.ts";
import { decodeJob } from "../jobs/decode.ts";
import type { JobAddress } from "../jobs/naming.ts";
import type { AckConfirmer } from "./ack-confirmer.ts";
import type { BridgeEvents } from "./events.ts";
import { keepInProgress } from "./in-progress.ts";
import { toPublishError } from "./no-stream.ts";
import {
  deliveryFields,
  type SettleContext,
  settleFailure,
  settleSuccess,
} from "./settle.ts";
import {
  maxInvokePayloadBytes,
  oversizedReason,
  splitBatch,
} from "./split-batch.ts";
import {
  invokeWithThrottleRetry,
  type ThrottleRetry,
} from "./throttle-retry.ts";

export interface BatchContext {
  js: JetStreamClient;
  /** Sends acks over the connection `js` uses and awaits their replies. */
  acks: AckConfirmer;
  address: JobAddress;
  invoker: Invoker;
  events: BridgeEvents;
  ackWaitMs: number;
  maxDeliver: number;
  retryBaseDelayMs: number;
  throttleRetry: ThrottleRetry;
  /**
   * The subjects a follow-up job may go to: every catalogue job type's
   * subject under the configured subject prefix.
   */
  followUpSubjects: ReadonlySet<string>;
  /** Creates the dead-letter stream if it is missing. */
  ensureDeadLetterStream: () => Promise<void>;
}

interface PendingRecord {
  message: JsMsg;
  record: JobRecord;
}

/**
 * Runs one batch of deliveries through the job type's function and settles
 * every message: invalid payloads are dead-lettered without an invocation,
 * the rest are acked, nak'ed with delay, or dead-lettered by the outcome.
 */
export async function processBatch(
  context: BatchContext,
  messages: readonly JsMsg[],
): Promise<void> {
  const settle: SettleContext = { ...context, startedAt: performance.now() };
  const pending = await decodeBatch(settle, messages);
  if (pending.length === 0) return;

  const batches = await splitOversized(context, settle, pending);
  const stopInProgress = keepInProgress(
    batches.flat().map(({ message }) => message),
    Math.max(1, Math.floor(context.ackWaitMs / 3)),
  );
  try {
    for (const batch of batches) {
      await invokeAndSettle(context, settle, batch);
    }
  } finally {
    stopInProgress();
  }
}

/**
 * Splits the batch into invokes that fit Lambda's payload limit. A record
 * too large on its own is dead-lettered without an invoke: it would fail
 * the same way on every delivery.
 */
async function splitOversized(
  context: BatchContext,
  settle: SettleContext,
  pending: readonly PendingRecord[],
): Promise<PendingRecord[][]> {
  const { batches, oversized } = splitBatch(pending, ({ record }) => record);
  if (batches.length > 1 || oversized.length > 0) {
    context.events.emit("batch.split", {
      jobType: context.address.jobType,
      records: pending.length,
      invokes: batches.length,
      oversized: oversized.length,
    });
  }

  await Promise.all(
    oversized.map(({ item, bytes }) =>
      settleFailure(settle, item.message, {
        retryable: false,
        reason: oversizedReason(bytes, maxInvokePayloadBytes),
      }),
    ),
  );
  return batches;
}

async function invokeAndSettle(
  context: BatchContext,
  settle: SettleContext,
  pending: readonly PendingRecord[],
): Promise<void> {
  const outcome: InvokeOutcome = await invokeWithThrottleRetry(context, {
    records: pending.map(({ record }) => record),
  });

  if (outcome.status === "failed") {
    context.events.emit("invoke.failed", {
      jobType: context.address.jobType,
      batchSize: pending.length,
      requestId: outcome.requestId,
      throttled: outcome.throttled,
      reason: outcome.reason,
    });
    await Promise.all(
      pending.map(({ message }) =>
        settleFailure(settle, message, {
          retryable: true,
          reason: outcome.reason,
        }),
      ),
    );
    return;
  }

  await settleResult(context, settle, pending, outcome.result);
}

async function decodeBatch(
  settle: SettleContext,
  messages: readonly JsMsg[],
): Promise<PendingRecord[]> {
  const pending: PendingRecord[] = [];
  const rejected: Promise<void>[] = [];

  for (const message of messages) {
    const decoded = decodeJob(settle.address.jobType, message.data);
    if (!decoded.ok) {
      rejected.push(
        settleFailure(settle, message, {
          retryable: false,
          reason: decoded.reason,
          kind: "invalid",
        }),
      );
      continue;
    }
    pending.push({
      message,
      record: toRecord(settle.address, message, decoded.job),
    });
  }

  await Promise.all(rejected);
  return pending;
}

function toRecord(
  address: JobAddress,
  message: JsMsg,
  job: unknown,
): JobRecord {
  const publishedAtMs = Math.floor(message.info.timestampNanos / 1e6);
  return {
    id: recordIdOf(address.stream, message.seq),
    subject: message.subject,
    deliveryCount: message.info.deliveryCount,
    publishedAt: new Date(publishedAtMs).toISOString(),
    job,
  };
}

async function settleResult(
  context: BatchContext,
  settle: SettleContext,
  pending: readonly PendingRecord[],
  result: JobResult,
): Promise<void> {
  // Retry the whole batch: a result naming records outside it cannot be
  // trusted to say which succeeded (follow-up message ids stop doubles).
  const unknownId = unknownRecordIdOf(pending, result);
  if (unknownId !== undefined) {
    const reason = `function result names record id "${unknownId}", which is not in the batch`;
    await Promise.all(
      pending.map(({ message }) =>
        settleFailure(settle, message, { retryable: true, reason }),
      ),
    );
    return;
  }

  const failures = new Map<string, RecordFailure>(
    result.failures.map((failure) => [failure.id, failure]),
  );
  for (const followUp of result.enqueue) {
    if (failures.has(followUp.recordId)) continue;
    if (context.followUpSubjects.has(followUp.subject)) continue;
    // The whole record fails, so none of its follow-ups is published.
    failures.set(followUp.recordId, {
      id: followUp.recordId,
      retryable: false,
      reason: `follow-up subject "${followUp.subject}" is not the subject of a catalogue job type`,
    });
  }
  const followUpErrors = await publishFollowUps(
    context,
    pending,
    result.enqueue,
    failures,
  );

  await Promise.all(
    pending.map(({ message, record }) => {
      const failure = failures.get(record.id);
      if (failure !== undefined) return settleFailure(settle, message, failure);

      const followUpError = followUpErrors.get(record.id);
      if (followUpError !== undefined) {
        return settleFailure(settle, message, {
          retryable: true,
          reason: `publishing a follow-up job failed: ${followUpError.message}`,
        });
      }

      return settleSuccess(settle, message);
    }),
  );
}

/** Returns the first failure or follow-up record id not in the batch. */
function unknownRecordIdOf(
  pending: readonly PendingRecord[],
  result: JobResult,
): string | undefined {
  const known = new Set(pending.map(({ record }) => record.id));
  const named = [
    ...result.failures.map(({ id }) => id),
    ...result.enqueue.map(({ recordId }) => recordId),
  ];
  return named.find((id) => !known.has(id));
}

/**
 * Publishes the follow-up jobs of the records that succeeded. The message
 * id comes from the source record, so a retried record does not publish
 * the same follow-up twice. Returns the publish error per record id.
 */
async function publishFollowUps(
  context: BatchContext,
  pending: readonly PendingRecord[],
  enqueue: readonly FollowUpJob[],
  failures: ReadonlyMap<string, unknown>,
): Promise<Map<string, Error>> {
  const errors = new Map<string, Error>();
  if (enqueue.length === 0) return errors;

  const messageOf = new Map(
    pending.map(({ message, record }) => [record.id, message]),
  );
  const countPerRecord = new Map<string, number>();

  await Promise.all(
    enqueue.map(async (followUp) => {
      if (failures.has(followUp.recordId)) return;

      const index = countPerRecord.get(followUp.recordId) ?? 0;
      countPerRecord.set(followUp.recordId, index + 1);
      // The source's stored time keeps the id unique when a recreated
      // stream numbers its messages, and so its record ids, from 1 again.
      const storedAt = messageOf.get(followUp.recordId)?.info.timestampNanos;
      try {
        await context.js.publish(
          followUp.subject,
          JSON.stringify(followUp.job),
          {
            msgID: `${followUp.recordId}:${storedAt}:follow-up:${index}`,
          },
        );
      } catch (thrown) {
        const error = toError(toPublishError(thrown, followUp.subject));
        errors.set(followUp.recordId, error);
        const message = messageOf.get(followUp.recordId);
        if (message !== undefined) {
          context.events.emit("follow-up.failed", {
            ...deliveryFields(context.address, message),
            error,
          });
        }
      }
    }),
  );
  return errors;
}
