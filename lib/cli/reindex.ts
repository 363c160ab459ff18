import { randomUUID } from "node:crypto";
import type { NatsConnection } from "@nats-io/nats-core";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
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
  /** The dead-lettered batch's sequence in the dead-letter stream. */
  deadLetterSequence?: number;
}

export interface ReindexWatch {
  /** Resolves when the batch chain has ended. */
  finished: Promise<ReindexOutcome>;
  stop(): void;
}

interface FollowOptions {
  connection: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  naming: Naming;
  jobType: ReindexJobType;
  /** Called with the batch number of each batch job published. */
  onBatch: (batchNumber: number) => void;
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
 * of them the chain has ended. A batch that failed for good shows up in the
 * dead-letter stream. Subscribe before the first batch is published.
 */
export function followReindex(
  reindexId: string,
  options: FollowOptions,
): ReindexWatch {
  const address = addressOf(options.jobType, options.naming);
  const since = new Date();
  let batches = 0;
  let stopped = false;

  const subscription = options.connection.subscribe(address.subject, {
    callback: (error, message) => {
      if (error !== null) return;
      const job = parseJob(message.data);
      if (job?.reindex_id !== reindexId) return;
      batches++;
      options.onBatch(job.batch_number);
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
        return deadLetterSequence === undefined
          ? { state: "finished", batches }
          : { state: "dead-lettered", batches, deadLetterSequence };
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

function parseJob(
  data: Uint8Array,
): { reindex_id?: unknown; batch_number: number } | undefined {
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
