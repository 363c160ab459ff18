import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { FailureKind } from "../dead-letter-headers.ts";
import { toError } from "../errors.ts";
import type { JobAddress } from "../jobs/naming.ts";
import { ackAndConfirm, type ConfirmAckContext } from "./confirm-ack.ts";
import { publishDeadLetter } from "./dead-letter.ts";
import type { BridgeEvents, DeliveryFields } from "./events.ts";
import { retryDelayMs } from "./retry-delay.ts";

export interface SettleContext extends ConfirmAckContext {
  js: JetStreamClient;
  address: JobAddress;
  events: BridgeEvents;
  maxDeliver: number;
  retryBaseDelayMs: number;
  /** Creates the dead-letter stream if it is missing. */
  ensureDeadLetterStream: () => Promise<void>;
  /** When the batch started, from `performance.now()`. */
  startedAt: number;
}

export function deliveryFields(
  address: JobAddress,
  message: JsMsg,
): DeliveryFields {
  return {
    jobType: address.jobType,
    subject: message.subject,
    stream: address.stream,
    sequence: message.seq,
    deliveryCount: message.info.deliveryCount,
  };
}

export async function settleSuccess(
  context: SettleContext,
  message: JsMsg,
): Promise<void> {
  const fields = deliveryFields(context.address, message);
  await ackAndConfirm(context, message, fields);
  context.events.emit("job.succeeded", {
    ...fields,
    durationMs: elapsed(context),
  });
}

/**
 * Settles a failed delivery: a retryable failure with attempts left is
 * nak'ed with the delay for its delivery count; anything else goes to the
 * dead-letter stream and is then acked, so it never stays in the work queue.
 */
export async function settleFailure(
  context: SettleContext,
  message: JsMsg,
  failure: { retryable: boolean; reason: string; kind?: FailureKind },
): Promise<void> {
  const fields = deliveryFields(context.address, message);
  const attemptsLeft = fields.deliveryCount < context.maxDeliver;

  if (failure.retryable && attemptsLeft) {
    const delayMs = retryDelayMs(
      fields.deliveryCount,
      context.retryBaseDelayMs,
    );
    message.nak(delayMs);
    context.events.emit("job.retrying", {
      ...fields,
      durationMs: elapsed(context),
      delayMs,
      reason: failure.reason,
    });
    return;
  }

  const kind = failure.kind ?? (failure.retryable ? "exhausted" : "permanent");
  try {
    const published = await publishDeadLetter(
      context.js,
      { address: context.address, message, kind, reason: failure.reason },
      context.ensureDeadLetterStream,
    );
    if (published.duplicate) {
      context.events.emit("dead-letter.duplicate", {
        ...fields,
        messageId: published.messageId,
      });
    }
  } catch (thrown) {
    // Without a stored dead letter the job must stay in the work queue: nak
    // it so it comes back, rather than ack it and lose it.
    context.events.emit("dead-letter.failed", {
      ...fields,
      error: toError(thrown),
    });
    message.nak(retryDelayMs(fields.deliveryCount, context.retryBaseDelayMs));
    return;
  }

  await ackAndConfirm(context, message, fields);
  context.events.emit("job.dead-lettered", {
    ...fields,
    durationMs: elapsed(context),
    kind,
    reason: failure.reason,
  });
}

function elapsed(context: SettleContext): number {
  return Math.round(performance.now() - context.startedAt);
}
