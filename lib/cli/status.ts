import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
} from "@nats-io/jetstream";
import type { JobTypeName } from "../jobs/catalogue.ts";
import { addressOf, type Naming } from "../jobs/naming.ts";

/** One job type's row of `status`. */
export interface JobTypeStatus {
  jobType: JobTypeName;
  stream: string;
  consumer: string;
  /** What does not exist on the server, or null when both exist. */
  missing: "stream" | "consumer" | null;
  /** Jobs stored in the work-queue stream: waiting or running. */
  streamMessages: number;
  /** Jobs the consumer has not delivered yet. */
  consumerPending: number;
  /** Jobs delivered and not yet acked: running, or waiting for a retry. */
  ackPending: number;
  /** Jobs delivered more than once and not yet acked. */
  redelivered: number;
  deadLetters: number;
  /** Age of the oldest job still in the stream, or null when it is empty. */
  oldestWaitingSeconds: number | null;
  /** The oldest job has waited longer than the threshold. */
  stuck: boolean;
}

export interface StatusReport {
  stuckAfterSeconds: number;
  jobTypes: JobTypeStatus[];
  summary: {
    streamMessages: number;
    deadLetters: number;
    stuck: JobTypeName[];
    missing: JobTypeName[];
    /** No job type stuck and every stream and consumer present. */
    healthy: boolean;
  };
}

/** Reads stream, consumer and dead-letter counts for the given job types. */
export async function collectStatus(
  jsm: JetStreamManager,
  naming: Naming,
  jobTypes: readonly JobTypeName[],
  stuckAfterSeconds: number,
  now = Date.now(),
): Promise<StatusReport> {
  const deadLetters = await countDeadLetters(jsm, naming);
  const rows: JobTypeStatus[] = [];
  for (const jobType of jobTypes) {
    const row = await jobTypeStatus(jsm, naming, jobType, now);
    row.deadLetters =
      deadLetters.get(addressOf(jobType, naming).deadLetterSubject) ?? 0;
    row.stuck =
      row.oldestWaitingSeconds !== null &&
      row.oldestWaitingSeconds > stuckAfterSeconds;
    rows.push(row);
  }

  const stuck = rows.filter((row) => row.stuck).map((row) => row.jobType);
  const missing = rows
    .filter((row) => row.missing !== null)
    .map((row) => row.jobType);
  return {
    stuckAfterSeconds,
    jobTypes: rows,
    summary: {
      streamMessages: sum(rows.map((row) => row.streamMessages)),
      deadLetters: sum(rows.map((row) => row.deadLetters)),
      stuck,
      missing,
      healthy: stuck.length === 0 && missing.length === 0,
    },
  };
}

async function jobTypeStatus(
  jsm: JetStreamManager,
  naming: Naming,
  jobType: JobTypeName,
  now: number,
): Promise<JobTypeStatus> {
  const address = addressOf(jobType, naming);
  const row: JobTypeStatus = {
    jobType,
    stream: address.stream,
    consumer: address.consumer,
    missing: null,
    streamMessages: 0,
    consumerPending: 0,
    ackPending: 0,
    redelivered: 0,
    deadLetters: 0,
    oldestWaitingSeconds: null,
    stuck: false,
  };

  const stream = await orMissing(() => jsm.streams.info(address.stream));
  if (stream === undefined) {
    row.missing = "stream";
    return row;
  }
  row.streamMessages = stream.state.messages;
  if (stream.state.messages > 0) {
    // Work-queue streams drop acked jobs, so the first stored message is
    // the oldest job not yet done.
    const firstMs = Date.parse(stream.state.first_ts);
    row.oldestWaitingSeconds = Math.max(0, Math.floor((now - firstMs) / 1000));
  }

  const consumer = await orMissing(() =>
    jsm.consumers.info(address.stream, address.consumer),
  );
  if (consumer === undefined) {
    row.missing = "consumer";
    return row;
  }
  row.consumerPending = consumer.num_pending;
  row.ackPending = consumer.num_ack_pending;
  row.redelivered = consumer.num_redelivered;
  return row;
}

/** Dead letters per dead-letter subject; empty when the stream is missing. */
async function countDeadLetters(
  jsm: JetStreamManager,
  naming: Naming,
): Promise<Map<string, number>> {
  const info = await orMissing(() =>
    jsm.streams.info(naming.deadLetterStream, {
      subjects_filter: `${naming.deadLetterSubjectPrefix}.>`,
    }),
  );
  return new Map(Object.entries(info?.state.subjects ?? {}));
}

/**
 * Runs a lookup and returns undefined when the stream, consumer or message
 * it names does not exist; other errors are thrown.
 */
export async function orMissing<Value>(
  lookup: () => Promise<Value>,
): Promise<Value | undefined> {
  try {
    return await lookup();
  } catch (error) {
    if (
      error instanceof JetStreamApiError &&
      (error.code === JetStreamApiCodes.StreamNotFound ||
        error.code === JetStreamApiCodes.ConsumerNotFound ||
        error.code === JetStreamApiCodes.NoMessageFound)
    ) {
      return undefined;
    }
    throw error;
  }
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
