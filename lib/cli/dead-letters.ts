import {
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream";
import type { MsgHdrs } from "@nats-io/nats-core";
import { deadLetterHeaders } from "../dead-letter-headers.ts";
import type { JobTypeName } from "../jobs/catalogue.ts";
import type { Naming } from "../jobs/naming.ts";
import { orMissing } from "./status.ts";

/** A dead letter as read back from the dead-letter stream. */
export interface StoredDeadLetter {
  /** Sequence in the dead-letter stream; `dlq show` and `replay` take it. */
  sequence: number;
  jobType: string;
  originalSubject: string;
  /** Sequence the job had in its work-queue stream. */
  originalSequence: number | null;
  deliveryCount: number | null;
  failureKind: string | null;
  lastError: string;
  failedAt: string | null;
  /** When the dead-letter stream stored it. */
  storedAt: string;
  payload: Uint8Array;
}

export interface DeadLetterFilter {
  jobType?: JobTypeName;
  /** Only dead letters stored at or after this time. */
  since?: Date;
}

/** The selected dead letters: how many there are, and a reader over them. */
export interface DeadLetterSelection {
  total: number;
  read(): AsyncGenerator<StoredDeadLetter>;
}

/**
 * Selects dead letters in stream order through an ordered consumer, which
 * the server filters by subject and start time. The consumer is deleted
 * when reading ends.
 */
export async function selectDeadLetters(
  js: JetStreamClient,
  jsm: JetStreamManager,
  naming: Naming,
  filter: DeadLetterFilter = {},
): Promise<DeadLetterSelection> {
  const stream = await orMissing(() =>
    jsm.streams.info(naming.deadLetterStream),
  );
  if (stream === undefined || stream.state.messages === 0) {
    return { total: 0, read: async function* () {} };
  }

  const subject = `${naming.deadLetterSubjectPrefix}.${filter.jobType ?? ">"}`;
  const consumer = await js.consumers.get(naming.deadLetterStream, {
    filter_subjects: subject,
    ...(filter.since === undefined
      ? {}
      : {
          deliver_policy: DeliverPolicy.StartTime,
          opt_start_time: filter.since.toISOString(),
        }),
  });
  const total = (await consumer.info()).num_pending;

  async function* read(): AsyncGenerator<StoredDeadLetter> {
    try {
      if (total === 0) return;
      const messages = await consumer.consume();
      try {
        for await (const message of messages) {
          yield toDeadLetter({
            sequence: message.seq,
            headers: message.headers,
            data: message.data,
            storedAt: new Date(Math.floor(message.info.timestampNanos / 1e6)),
          });
          if (message.info.pending === 0) return;
        }
      } finally {
        await messages.close();
      }
    } finally {
      // A consumer left behind by a failed delete is removed by the server
      // once it has been idle for its inactive threshold (5 minutes).
      await consumer.delete().catch(() => false);
    }
  }
  return { total, read };
}

/** Reads one dead letter by its sequence; undefined when there is none. */
export async function getDeadLetter(
  jsm: JetStreamManager,
  naming: Naming,
  sequence: number,
): Promise<StoredDeadLetter | undefined> {
  const stored = await orMissing(() =>
    jsm.streams.getMessage(naming.deadLetterStream, { seq: sequence }),
  );
  if (stored === undefined || stored === null) return undefined;
  return toDeadLetter({
    sequence: stored.seq,
    headers: stored.header,
    data: stored.data,
    storedAt: stored.time,
  });
}

interface RawDeadLetter {
  sequence: number;
  headers: MsgHdrs | undefined;
  data: Uint8Array;
  storedAt: Date;
}

function toDeadLetter(raw: RawDeadLetter): StoredDeadLetter {
  const header = (name: string) => raw.headers?.get(name) || undefined;
  const integer = (name: string) => {
    const value = Number(header(name));
    return Number.isSafeInteger(value) ? value : null;
  };
  return {
    sequence: raw.sequence,
    jobType: header(deadLetterHeaders.jobType) ?? "",
    originalSubject: header(deadLetterHeaders.originalSubject) ?? "",
    originalSequence: integer(deadLetterHeaders.streamSequence),
    deliveryCount: integer(deadLetterHeaders.deliveryCount),
    failureKind: header(deadLetterHeaders.failureKind) ?? null,
    lastError: header(deadLetterHeaders.lastError) ?? "",
    failedAt: header(deadLetterHeaders.failedAt) ?? null,
    storedAt: raw.storedAt.toISOString(),
    payload: raw.data,
  };
}

/** A dead letter for JSON output: the payload parsed when it is JSON. */
export function describeDeadLetter(
  deadLetter: StoredDeadLetter,
  withPayload: boolean,
): Record<string, unknown> {
  const { payload, ...fields } = deadLetter;
  if (!withPayload) return { ...fields, payloadBytes: payload.length };

  const text = Buffer.from(payload).toString("utf8");
  try {
    return { ...fields, payload: JSON.parse(text) };
  } catch {
    return { ...fields, payloadText: text };
  }
}
