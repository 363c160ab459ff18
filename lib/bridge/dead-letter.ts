import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import { headers } from "@nats-io/nats-core";
import { deadLetterHeaders, type FailureKind } from "../dead-letter-headers.ts";
import type { JobAddress } from "../jobs/naming.ts";

/** NATS headers are single-line; long reasons are cut to keep them small. */
const maxReasonLength = 2_000;

/** The parts of a delivered or a stored job that a dead letter copies. */
export type DeadLetterSource = Pick<JsMsg, "subject" | "seq" | "data"> & {
  info: Pick<JsMsg["info"], "deliveryCount">;
};

export interface DeadLetter {
  address: JobAddress;
  message: DeadLetterSource;
  kind: FailureKind;
  reason: string;
}

/**
 * Publishes the original payload with its failure headers to the
 * dead-letter stream and waits for the stream to store it. The message id
 * makes a second publish of the same delivery (after a crash before the
 * ack) a duplicate the server drops.
 */
export async function publishDeadLetter(
  js: JetStreamClient,
  deadLetter: DeadLetter,
): Promise<void> {
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

  await js.publish(address.deadLetterSubject, message.data, {
    headers: header,
    msgID: `dead-letter:${address.stream}:${message.seq}`,
  });
}

function toHeaderValue(reason: string): string {
  const singleLine = reason.replace(/[\r\n]+/g, " ").trim();
  return singleLine.length > maxReasonLength
    ? `${singleLine.slice(0, maxReasonLength)}…`
    : singleLine;
}
