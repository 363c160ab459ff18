import type { JetStreamClient, JsMsg, PubAck } from "@nats-io/jetstream";
import { headers } from "@nats-io/nats-core";
import { deadLetterHeaders, type FailureKind } from "../dead-letter-headers.ts";
import type { JobAddress } from "../jobs/naming.ts";
import { NoStreamError, toPublishError } from "./no-stream.ts";

/** NATS headers are single-line; long reasons are cut to keep them small. */
const maxReasonLength = 2_000;

/** The parts of a delivered or a stored job that a dead letter copies. */
export type DeadLetterSource = Pick<JsMsg, "subject" | "seq" | "data"> & {
  info: Pick<JsMsg["info"], "deliveryCount" | "timestampNanos">;
};

export interface DeadLetter {
  address: JobAddress;
  message: DeadLetterSource;
  kind: FailureKind;
  reason: string;
}

/** The result of publishing one dead letter. */
export interface DeadLetterPublished {
  messageId: string;
  /**
   * The stream already had a message with this id, stored in its duplicate
   * window: the same job's dead letter, published before a crash or by the
   * other settling path (bridge or max-deliveries advisory).
   */
  duplicate: boolean;
}

/**
 * Publishes the original payload with its failure headers to the
 * dead-letter stream and waits for the stream to store it. The message id
 * makes a second publish of the same job (after a crash before the ack) a
 * duplicate the server drops. When no stream captures the dead-letter
 * subject, it calls `ensureStream` and publishes once more.
 */
export async function publishDeadLetter(
  js: JetStreamClient,
  deadLetter: DeadLetter,
  ensureStream: () => Promise<void>,
): Promise<DeadLetterPublished> {
  const { address, message, kind, reason } = deadLetter;
  const header = headers();
  header.set(deadLetterHeaders.jobType, address.jobType);
  header.set(deadLetterHeaders.originalSubject, message.subject);
  header.set(deadLetterHeaders.streamSequence, String(message.seq));
  header.set(
    deadLetterHeaders.deliveryCount,
    String(message.info.deliveryCount),
  );
  header.set(deadLetterHeaders.lastError, toHeaderValue(reason));
  header.set(deadLetterHeaders.failedAt, new Date().toISOString());
  header.set(deadLetterHeaders.failureKind, kind);

  const messageId = deadLetterIdOf(
    address.stream,
    message.seq,
    message.info.timestampNanos,
  );
  const publish = async () => {
    try {
      return await js.publish(address.deadLetterSubject, message.data, {
        headers: header,
        msgID: messageId,
      });
    } catch (thrown) {
      throw toPublishError(thrown, address.deadLetterSubject);
    }
  };

  let ack: PubAck;
  try {
    ack = await publish();
  } catch (thrown) {
    // The bridge creates a missing dead-letter stream, as it does a
    // missing consumer, and tries once more.
    if (!(thrown instanceof NoStreamError)) throw thrown;
    await ensureStream();
    ack = await publish();
  }
  return { messageId, duplicate: ack.duplicate };
}

/**
 * Returns the dead letter's message id for the job stored at that stream
 * sequence. The stored time keeps it unique when a recreated stream
 * numbers its messages from 1 again.
 */
export function deadLetterIdOf(
  stream: string,
  sequence: number,
  timestampNanos: number,
): string {
  return `dead-letter:${stream}:${sequence}:${timestampNanos}`;
}

/**
 * Converts the RFC 3339 time of a stored message, as the stream message
 * get API returns it, to the nanoseconds a delivered message's
 * `info.timestampNanos` carries. Both round the same integer to a double.
 */
export function timestampNanosOf(timestamp: string): number {
  const match =
    /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(
      timestamp,
    );
  if (match === null) {
    throw new Error(`invalid stored message time "${timestamp}"`);
  }
  const [, seconds, fraction = "", zone] = match;
  const millis = Date.parse(`${seconds}${zone}`);
  if (Number.isNaN(millis)) {
    throw new Error(`invalid stored message time "${timestamp}"`);
  }
  const nanos = BigInt(millis) * 1_000_000n + BigInt(fraction.padEnd(9, "0"));
  return Number(nanos);
}

function toHeaderValue(reason: string): string {
  const singleLine = reason.replace(/[\r\n]+/g, " ").trim();
  return singleLine.length > maxReasonLength
    ? `${singleLine.slice(0, maxReasonLength)}…`
    : singleLine;
}
