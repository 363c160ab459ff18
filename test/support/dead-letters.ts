import type { JetStreamManager } from "@nats-io/jetstream";
import { deadLetterHeaders } from "../../lib/dead-letter-headers.ts";

/** One stored dead letter, its headers read into plain fields. */
export interface StoredDeadLetter {
  subject: string;
  data: Uint8Array;
  jobType: string;
  originalSubject: string;
  streamSequence: number;
  deliveryCount: number;
  lastError: string;
  failureKind: string;
}

/** Reads every message of a dead-letter stream, oldest first. */
export async function readDeadLetters(
  jsm: JetStreamManager,
  stream: string,
): Promise<StoredDeadLetter[]> {
  const info = await jsm.streams.info(stream);
  const letters: StoredDeadLetter[] = [];

  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const stored = await jsm.streams.getMessage(stream, { seq });
    if (stored === null) continue;
    const header = (name: string) => stored.header.get(name);
    letters.push({
      subject: stored.subject,
      data: stored.data,
      jobType: header(deadLetterHeaders.jobType),
      originalSubject: header(deadLetterHeaders.originalSubject),
      streamSequence: Number(header(deadLetterHeaders.streamSequence)),
      deliveryCount: Number(header(deadLetterHeaders.deliveryCount)),
      lastError: header(deadLetterHeaders.lastError),
      failureKind: header(deadLetterHeaders.failureKind),
    });
  }
  return letters;
}

/** Messages a stream still stores; a drained work queue has none. */
export async function storedCount(
  jsm: JetStreamManager,
  stream: string,
): Promise<number> {
  const info = await jsm.streams.info(stream);
  return info.state.messages;
}

/** Deletes the test's streams; the consumers go with them. */
export async function deleteStreams(
  jsm: JetStreamManager,
  streams: readonly string[],
): Promise<void> {
  for (const stream of streams) {
    await jsm.streams.delete(stream).catch(() => false);
  }
}
