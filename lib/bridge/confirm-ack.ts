import type { JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { toError } from "../errors.ts";
import type { JobAddress } from "../jobs/naming.ts";
import type { BridgeEvents, DeliveryFields } from "./events.ts";

export interface ConfirmAckContext {
  connection: NatsConnection;
  address: JobAddress;
  events: BridgeEvents;
  ackWaitMs: number;
}

/** The ack payload JetStream expects on a message's reply subject. */
const ackPayload = "+ACK";
const resendIntervalMs = 250;
/** How long one ack waits for its confirmation. */
const confirmTimeoutMs = 2_000;
/**
 * How long acks are resent at least. A consumer with a majority of its
 * nodes up elects a new leader within seconds, so this leaves ample room.
 */
const minResendWindowMs = 30_000;

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
  let lastError: Error;
  try {
    await message.ackAck({ timeout: confirmTimeoutMs });
    return;
  } catch (thrown) {
    lastError = toError(thrown);
  }
  context.events.emit("ack.resending", { ...fields, error: lastError });

  // nats.js 3.4 messages have the reply subject, but their public type
  // leaves it out.
  const reply = (message as JsMsg & { reply?: string }).reply;
  const deadline =
    performance.now() + Math.max(context.ackWaitMs, minResendWindowMs);
  // A closed connection means the bridge is stopping: nothing can be sent.
  while (
    reply !== undefined &&
    performance.now() < deadline &&
    !context.connection.isClosed()
  ) {
    await sleep(resendIntervalMs);
    try {
      // ackAck sends once per message, so the resend is a plain request.
      await context.connection.request(reply, ackPayload, {
        timeout: confirmTimeoutMs,
      });
      return;
    } catch (thrown) {
      lastError = toError(thrown);
    }
  }
  context.events.emit("ack.failed", { ...fields, error: lastError });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
