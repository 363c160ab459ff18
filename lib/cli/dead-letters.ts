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
  /**
   * The same time in nanoseconds since the Unix epoch, as a decimal string.
   * A stream deleted and created again restarts its sequences, but its
   * messages get later times.
   */
  storedAtNanos: string;
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
            storedAtNanos: message.timestampNanos,
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
    storedAtNanos: nanosOf(stored.timestamp),
  });
}

interface RawDeadLetter {
  sequence: number;
  headers: MsgHdrs | undefined;
  data: Uint8Array;
  storedAtNanos: bigint;
}

/**
 * Converts an RFC 3339 time with up to nine fraction digits, as nats-server
 * writes it (`2026-01-02T03:04:05.123456789Z`), to nanoseconds since the
 * Unix epoch.
 */
export function nanosOf(timestamp: string): bigint {
  const match =
    /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(
      timestamp,
    );
  const [, wholeSeconds = "", fraction = "", zone = ""] = match ?? [];
  const ms = Date.parse(wholeSeconds + zone);
  if (match === null || Number.isNaN(ms)) {
    throw new Error(`invalid stored message time "${timestamp}"`);
  }
  return BigInt(ms) * 1_000_000n + BigInt(fraction.padEnd(9, "0"));
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
    storedAt: new Date(Number(raw.storedAtNanos / 1_000_000n)).toISOString(),
    storedAtNanos: raw.storedAtNanos.toString(),
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
