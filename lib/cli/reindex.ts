import { randomUUID } from "node:crypto";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { addressOf, type JobAddress, type Naming } from "../jobs/naming.ts";
import { selectDeadLetters } from "./dead-letters.ts";

export type ReindexJobType = "reindex-posts" | "reindex-users";

/** The first batch's job, as published. */
export interface ReindexStart {
  reindexId: string;
  jobType: ReindexJobType;
  subject: string;
  stream: string;
  sequence: number;
  batchSize: number;
}

/** What following a reindex saw. */
export interface ReindexOutcome {
  /** `finished`: the last batch ran; `dead-lettered`: a batch failed for good. */
  state: "finished" | "dead-lettered";
  /** Batch jobs seen, the first one included. */
  batches: number;
  /** Rows the batches skipped because they could not be indexed. */
  failedRows: number;
  /** Skipped rows per batch number, for batches that skipped any. */
  failedRowsByBatch: Record<string, number>;
  /** The dead-lettered batch's sequence in the dead-letter stream. */
  deadLetterSequence?: number;
}

export interface ReindexWatch {
  /** Resolves when the batch chain has ended. */
  finished: Promise<ReindexOutcome>;
  stop(): void;
}

/** One batch job of the followed reindex, as published. */
export interface BatchSeen {
  batchNumber: number;
  /** Rows the earlier batches skipped, in total. */
  failedRows: number;
  /** Rows the previous batch skipped. */
  failedInPreviousBatch: number;
}

interface FollowOptions {
  connection: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  naming: Naming;
  jobType: ReindexJobType;
  /** Called for each batch job published. */
  onBatch: (batch: BatchSeen) => void;
  /** How often the stream is checked for the end of the chain [250 ms]. */
  pollMs?: number;
}

/** Publishes the first batch of a new reindex. */
export async function startReindex(
  js: JetStreamClient,
  naming: Naming,
  jobType: ReindexJobType,
  batchSize: number,
  reindexId: string = randomUUID(),
): Promise<ReindexStart> {
  const address = addressOf(jobType, naming);
  const job = {
    after_id: null,
    batch_size: batchSize,
    reindex_id: reindexId,
    batch_number: 0,
  };
  const ack = await js.publish(address.subject, JSON.stringify(job), {
    msgID: `reindex:${reindexId}:0`,
  });
  return {
    reindexId,
    jobType,
    subject: address.subject,
    stream: ack.stream,
    sequence: ack.seq,
    batchSize,
  };
}

/**
 * Follows a reindex from the outside, through NATS alone: each batch
 * publishes the next one to the same subject before it is acked, so a core
 * subscription sees every batch, and once the work-queue stream holds none
 * of them the chain has ended. Each batch carries the running total of rows
 * the earlier ones skipped (`failed_rows`). A batch that failed for good
 * shows up in the dead-letter stream. Subscribe before the first batch is
 * published.
 */
export function followReindex(
  reindexId: string,
  options: FollowOptions,
): ReindexWatch {
  const address = addressOf(options.jobType, options.naming);
  const since = new Date();
  let batches = 0;
  let stopped = false;
  // Running totals of skipped rows, by the batch number that carried them.
  const failedTotals = new Map<number, number>([[0, 0]]);

  const subscription = options.connection.subscribe(address.subject, {
    callback: (error, message) => {
      if (error !== null) return;
      const job = parseJob(message.data);
      if (job?.reindex_id !== reindexId) return;
      batches++;
      const failedRows = failedRowsOf(job);
      failedTotals.set(job.batch_number, failedRows);
      const before = failedTotals.get(job.batch_number - 1) ?? failedRows;
      options.onBatch({
        batchNumber: job.batch_number,
        failedRows,
        failedInPreviousBatch: Math.max(0, failedRows - before),
      });
    },
  });

  const finished = (async (): Promise<ReindexOutcome> => {
    try {
      while (!stopped) {
        await sleep(options.pollMs ?? 250);
        if (batches === 0 || !(await chainEnded(options.jsm, address)))
          continue;

        const deadLetterSequence = await findDeadLetter(
          options,
          reindexId,
          since,
        );
        const failed = summarizeFailedRows(failedTotals);
        return deadLetterSequence === undefined
          ? { state: "finished", batches, ...failed }
          : { state: "dead-lettered", batches, ...failed, deadLetterSequence };
      }
      throw new Error("stopped following the reindex");
    } finally {
      subscription.unsubscribe();
    }
  })();

  return {
    finished,
    stop: () => {
      stopped = true;
    },
  };
}

async function chainEnded(
  jsm: JetStreamManager,
  address: JobAddress,
): Promise<boolean> {
  // The request goes out on the same connection as the subscription, so a
  // follow-up published before the last ack has reached the callback by now.
  const info = await jsm.streams.info(address.stream);
  return info.state.messages === 0;
}

async function findDeadLetter(
  options: FollowOptions,
  reindexId: string,
  since: Date,
): Promise<number | undefined> {
  const selection = await selectDeadLetters(
    options.js,
    options.jsm,
    options.naming,
    {
      jobType: options.jobType,
      since,
    },
  );
  let found: number | undefined;
  for await (const deadLetter of selection.read()) {
    if (parseJob(deadLetter.payload)?.reindex_id === reindexId)
      found = deadLetter.sequence;
  }
  return found;
}

/**
 * Turns running totals by batch number into the total and the rows each
 * batch skipped: batch n's count is the total batch n + 1 carries minus the
 * total batch n carries.
 */
function summarizeFailedRows(
  totals: Map<number, number>,
): Pick<ReindexOutcome, "failedRows" | "failedRowsByBatch"> {
  const failedRowsByBatch: Record<string, number> = {};
  let failedRows = 0;
  for (const [batchNumber, total] of totals) {
    failedRows = Math.max(failedRows, total);
    const before = totals.get(batchNumber - 1);
    if (before !== undefined && total > before) {
      failedRowsByBatch[String(batchNumber - 1)] = total - before;
    }
  }
  return { failedRows, failedRowsByBatch };
}

function failedRowsOf(job: { failed_rows?: unknown }): number {
  const value = job.failed_rows;
  return Number.isSafeInteger(value) && (value as number) > 0
    ? (value as number)
    : 0;
}

function parseJob(data: Uint8Array):
  | {
      reindex_id?: unknown;
      batch_number: number;
      failed_rows?: unknown;
    }
  | undefined {
  try {
    const value = JSON.parse(Buffer.from(data).toString("utf8"));
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
