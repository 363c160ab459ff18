import type { JsMsg } from "@nats-io/jetstream";
import { errors } from "@nats-io/nats-core";
import type { AckConfirmer, AckOutcome } from "./ack-confirmer.ts";
import type { BridgeEvents, DeliveryFields } from "./events.ts";

export interface ConfirmAckContext {
  /** Sends the acks over the bridge's connection and awaits their replies. */
  acks: AckConfirmer;
  events: BridgeEvents;
  ackWaitMs: number;
}

const resendIntervalMs = 250;
/**
 * How long acks are resent at least. A consumer with a majority of its
 * nodes up elects a new leader within seconds, so this leaves ample room.
 */
const minResendWindowMs = 30_000;

/**
 * The parts of nats.js 3.4's JsMsgImpl that its public type leaves out:
 * the reply subject, and the flag that makes later acks (such as the
 * in-progress ones) no-ops.
 */
type JsMsgInternals = JsMsg & { reply?: string; didAck?: boolean };

/**
 * Acks the message and waits until the consumer leader confirms it, so a
 * job counts as in flight until the server has its ack. An ack sent while
 * the consumer has no leader (its node died and an election runs) fails
 * with "no responders" or a timeout. It is sent again every 250 ms,
 * because a new leader that has replicated the delivery accepts it and
 * does not hand the job out again. Resending stops after `ack_wait` or
 * 30 s, whichever is longer, or when the connection closes, and then
 * emits `ack.failed`.
 */
export async function ackAndConfirm(
  context: ConfirmAckContext,
  message: JsMsg,
  fields: DeliveryFields,
): Promise<void> {
  const internals = message as JsMsgInternals;
  const reply = internals.reply;
  // A message without a reply subject cannot be acked at all, and a final
  // ack is sent once.
  if (reply === undefined || reply === "" || internals.didAck === true) {
    return;
  }
  internals.didAck = true;

  let outcome = await context.acks.send(reply);
  if (outcome === "confirmed") return;

  let lastError = outcomeError(outcome, reply);
  context.events.emit("ack.resending", { ...fields, error: lastError });
  const deadline =
    performance.now() + Math.max(context.ackWaitMs, minResendWindowMs);
  // A closed confirmer means the bridge is stopping: nothing can be sent.
  while (performance.now() < deadline && !context.acks.closed) {
    await sleep(resendIntervalMs);
    outcome = await context.acks.send(reply);
    if (outcome === "confirmed") return;
    lastError = outcomeError(outcome, reply);
  }
  context.events.emit("ack.failed", { ...fields, error: lastError });
}

/** Builds the error an ack that was not confirmed reports. */
function outcomeError(outcome: AckOutcome, subject: string): Error {
  switch (outcome) {
    case "no-responders":
      return new errors.NoRespondersError(subject);
    case "timed-out":
      return new errors.TimeoutError();
    case "closed":
      return new errors.ClosedConnectionError();
    case "unsubscribed":
      return new errors.RequestError(
        "the ack reply subscription closed before the ack was confirmed",
      );
    default:
      return new errors.ConnectionError(
        "reconnected before the ack was confirmed",
      );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
