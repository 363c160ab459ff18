import type {
  Consumer,
  ConsumerMessages,
  JetStreamClient,
  JsMsg,
} from "@nats-io/jetstream";
import { toError } from "../errors.ts";
import { Batcher } from "./batcher.ts";
import { stopInProgress } from "./in-progress.ts";
import { type BatchContext, processBatch } from "./process-batch.ts";

export interface JobConsumerOptions extends BatchContext {
  js: JetStreamClient;
  concurrency: number;
  batchSize: number;
  batchWindowMs: number;
  /** How long one pull request waits at the server for messages [10 s]. */
  pullExpiresMs: number;
  /** Creates this job type's stream and consumer again where missing. */
  reprovision: () => Promise<void>;
}

const reportedStatuses = new Set([
  "heartbeats_missed",
  "no_responders",
  "consumer_deleted",
  "consumer_not_found",
  "stream_not_found",
  "exceeded_limits",
]);

const pullRetryBaseMs = 250;
const pullRetryMaxMs = 5_000;

/**
 * Pulls one job type's durable consumer and runs its batches. It pulls only
 * as many messages as it has free slots (concurrency × batch size), so no
 * message waits in a local buffer while its `ack_wait` runs out and another
 * replica receives it too.
 */
export class JobConsumer {
  readonly #options: JobConsumerOptions;
  readonly #capacity: number;
  readonly #batcher: Batcher<JsMsg>;
  /** Running batches and their messages. */
  readonly #running = new Map<Promise<void>, JsMsg[]>();
  #inFlight = 0;
  /** Stream sequences of the messages counted in `#inFlight`. */
  readonly #sequences = new Set<number>();
  /** Messages the open pull requested and has not received yet. */
  #requested = 0;
  #stopping = false;
  #consumer: Consumer | undefined;
  #fetch: ConsumerMessages | undefined;
  #wakeUp: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: JobConsumerOptions) {
    this.#options = options;
    this.#capacity = options.concurrency * options.batchSize;
    this.#batcher = new Batcher(
      options.batchSize,
      options.batchWindowMs,
      (batch) => this.#run(batch),
    );
  }

  /** Messages pulled and not yet settled. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Whether the message at that stream sequence is in flight here. */
  hasInFlight(stream: string, sequence: number): boolean {
    return (
      stream === this.#options.address.stream && this.#sequences.has(sequence)
    );
  }

  /** Messages the open pull requested and has not received yet. */
  get awaitingDelivery(): number {
    return this.#requested;
  }

  start(): void {
    this.#loop ??= this.#pullLoop();
  }

  /**
   * Stops pulling, hands back messages that have not started, and waits for
   * running batches until the deadline. Returns how many messages were still
   * unsettled then; the server redelivers them after `ack_wait`.
   */
  async stop(timeoutMs: number): Promise<number> {
    this.#stopping = true;
    this.#fetch?.stop();
    this.#wake();
    await this.#loop;

    for (const message of this.#batcher.takePending()) {
      message.nak();
      this.#release([message]);
    }

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.all(this.#running.keys()), deadline]);
    clearTimeout(timer);
    for (const batch of this.#running.values()) stopInProgress(batch);
    return this.#inFlight;
  }

  async #pullLoop(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      const free = this.#capacity - this.#inFlight;
      if (free <= 0) {
        await new Promise<void>((resolve) => {
          this.#wakeUp = resolve;
        });
        continue;
      }

      try {
        await this.#pull(free);
        failures = 0;
      } catch (thrown) {
        failures++;
        await this.#recoverFromPullError(toError(thrown), failures);
      }
    }
  }

  async #pull(free: number): Promise<void> {
    this.#consumer ??= await this.#options.js.consumers.get(
      this.#options.address.stream,
      this.#options.address.consumer,
    );
    this.#fetch = await this.#consumer.fetch({
      max_messages: free,
      expires: this.#options.pullExpiresMs,
    });
    void this.#reportStatus(this.#fetch);

    this.#requested = free;
    try {
      for await (const message of this.#fetch) {
        this.#requested--;
        this.#receive(message);
      }
    } finally {
      this.#requested = 0;
    }
    this.#fetch = undefined;
    this.#batcher.flush();
  }

  #receive(message: JsMsg): void {
    if (this.#stopping) {
      // Pulled after the stop began: hand it straight back.
      message.nak();
      return;
    }
    this.#inFlight++;
    this.#sequences.add(message.seq);
    this.#batcher.add(message);
  }

  /**
   * Emits the pull's trouble notifications: missed heartbeats (the node
   * serving the pull went away), no responders (no consumer leader while
   * an election runs) and a missing consumer or stream. Routine ones
   * (heartbeats, next pulls, debug) are left out.
   */
  async #reportStatus(fetch: ConsumerMessages): Promise<void> {
    const { jobType } = this.#options.address;
    for await (const status of fetch.status()) {
      if (!reportedStatuses.has(status.type)) continue;
      const detail = "description" in status ? status.description : undefined;
      try {
        this.#options.events.emit("consumer.status", {
          jobType,
          status: status.type,
          detail,
        });
      } catch {
        // A throwing listener would end this loop with an unhandled
        // rejection; later statuses must still be reported.
      }
    }
  }

  async #recoverFromPullError(error: Error, failures: number): Promise<void> {
    this.#fetch = undefined;
    this.#batcher.flush();
    const { jobType } = this.#options.address;
    const retryInMs = Math.min(
      pullRetryMaxMs,
      pullRetryBaseMs * 2 ** (failures - 1),
    );
    this.#options.events.emit("pull.failed", { jobType, error, retryInMs });

    await sleep(retryInMs);
    if (this.#stopping) return;

    // After a server restart without its store, or a deleted consumer, the
    // consumer must be created again before pulls can work. Reprovisioning
    // creates only what is missing and reads an intact consumer's info, so
    // it runs after every failure.
    this.#consumer = undefined;
    try {
      await this.#options.reprovision();
    } catch (thrown) {
      this.#options.events.emit("pull.failed", {
        jobType,
        error: toError(thrown),
        retryInMs,
      });
    }
  }

  #run(batch: JsMsg[]): void {
    const task = processBatch(this.#options, batch)
      .catch((thrown) => {
        // processBatch settles every message itself; reaching here means a
        // bug or a lost connection. Unsettled messages are redelivered.
        const { jobType } = this.#options.address;
        this.#options.events.emit("pull.failed", {
          jobType,
          error: toError(thrown),
          retryInMs: 0,
        });
      })
      .finally(() => {
        this.#running.delete(task);
        this.#release(batch);
      });
    this.#running.set(task, batch);
  }

  #release(messages: readonly JsMsg[]): void {
    this.#inFlight -= messages.length;
    for (const message of messages) this.#sequences.delete(message.seq);
    this.#wake();
  }

  #wake(): void {
    const wakeUp = this.#wakeUp;
    this.#wakeUp = undefined;
    wakeUp?.();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
