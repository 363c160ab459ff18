import type {
  JetStreamClient,
  JetStreamManager,
  StoredMsg,
} from "@nats-io/jetstream";
import type { NatsConnection, Subscription } from "@nats-io/nats-core";
import { toError } from "../errors.ts";
import type { JobAddress } from "../jobs/naming.ts";
import { publishDeadLetter, timestampNanosOf } from "./dead-letter.ts";
import type { BridgeEvents, DeliveryFields } from "./events.ts";
import { retryDelayMs } from "./retry-delay.ts";

/**
 * The JetStream advisory a server publishes when a message would be
 * delivered again but has reached the consumer's `max_deliver` (nats-server
 * advisory schema `io.nats.jetstream.advisory.v1.max_deliver`).
 */
interface MaxDeliveriesAdvisory {
  stream: string;
  consumer: string;
  stream_seq: number;
  deliveries: number;
}

export interface MaxDeliveriesOptions {
  connection: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  addresses: readonly JobAddress[];
  events: BridgeEvents;
  retryBaseDelayMs: number;
  /** The consumers' `max_deliver`; an advisory below it is ignored. */
  maxDeliver: number;
  /** Creates the dead-letter stream if it is missing. */
  ensureDeadLetterStream: () => Promise<void>;
  /** Whether this bridge has that message unsettled right now. */
  isInFlight: (stream: string, sequence: number) => boolean;
}

/** Maximum wait between two tries to store one dead letter. */
const maxRetryDelayMs = 60_000;

export const advisoryReason =
  "dead letter written from the max-deliveries advisory: the last delivery was not settled with a dead letter (publishing it failed, or no bridge settled it in time)";

/**
 * Dead-letters jobs that reached `max_deliver` without a stored dead
 * letter. The bridge naks a job whose dead letter it could not publish, but
 * the server never redelivers a job past `max_deliver`, so without this it
 * would stay in the work-queue stream for good. On each max-deliveries
 * advisory this loads the job by stream sequence, publishes its dead letter
 * (kind `exhausted`, retried with growing delays until stored) and then
 * deletes it from the work-queue stream. Bridge replicas share one queue
 * group, so one of them handles each advisory, and the dead letter's message
 * id makes a second publish of the same job a duplicate the server drops.
 *
 * NOTE: advisories are plain NATS messages that the server does not store,
 * so a job whose advisory arrives while no bridge is connected stays in the
 * work queue until an operator removes or replays it.
 *
 * Any client allowed to publish on `$JS.EVENT.>` can forge an advisory, so
 * NATS account permissions must deny that subject to untrusted clients.
 * The checks in `#check` reject advisories for another stream or consumer,
 * with `deliveries` below `max_deliver`, for a message the consumer has not
 * delivered yet, or for a message this bridge is running. JetStream reports
 * no per-message delivery state, so a forged advisory can still dead-letter
 * and delete a stored job that was delivered at least once and is not in
 * flight in the bridge replica that receives the advisory: a job running on
 * another replica, or one waiting for a redelivery after a nak.
 */
export class MaxDeliveriesWatcher {
  readonly #options: MaxDeliveriesOptions;
  readonly #subscriptions: Subscription[] = [];
  readonly #handling = new Set<Promise<void>>();
  readonly #stop = new AbortController();

  constructor(options: MaxDeliveriesOptions) {
    this.#options = options;
  }

  start(): void {
    for (const address of this.#options.addresses) {
      const subject = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${address.stream}.${address.consumer}`;
      const subscription = this.#options.connection.subscribe(subject, {
        queue: `${address.consumer}-max-deliveries`,
        // nats.js stops reading the socket when a callback throws, so this
        // one catches everything: anyone allowed to publish on the subject
        // can send it any bytes.
        callback: (error, message) => {
          // An error here (such as a permissions violation) carries no
          // advisory to act on.
          if (error !== null) return;
          try {
            const advisory = parseAdvisory(message.data);
            if (typeof advisory === "string") {
              this.#ignore(message.subject, advisory);
              return;
            }
            this.#track(this.#handle(address, advisory));
          } catch (thrown) {
            this.#ignore(message.subject, toError(thrown).message);
          }
        },
      });
      this.#subscriptions.push(subscription);
    }
  }

  /** Stops listening, ends pending retries and waits for running ones. */
  async stop(): Promise<void> {
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    this.#stop.abort();
    await Promise.allSettled([...this.#handling]);
  }

  /** Reports an advisory it does not act on; never throws. */
  #ignore(subject: string, reason: string): void {
    try {
      this.#options.events.emit("advisory.ignored", { subject, reason });
    } catch {
      // A throwing listener must not reach the nats.js callback either.
    }
  }

  #track(work: Promise<void>): void {
    this.#handling.add(work);
    work.finally(() => this.#handling.delete(work));
  }

  /** Dead-letters the advisory's job unless `#check` rejects it. */
  async #handle(
    address: JobAddress,
    advisory: MaxDeliveriesAdvisory,
  ): Promise<void> {
    const subject = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${address.stream}.${address.consumer}`;
    let rejection: string | undefined;
    try {
      rejection = await this.#check(address, advisory);
    } catch (thrown) {
      rejection = `reading the consumer state failed: ${toError(thrown).message}`;
    }
    if (rejection !== undefined) {
      this.#ignore(subject, rejection);
      return;
    }
    try {
      await this.#deadLetter(address, advisory);
    } catch (thrown) {
      this.#ignore(subject, toError(thrown).message);
    }
  }

  /**
   * Returns why the advisory must not be acted on, or undefined when it
   * matches a job that exhausted its deliveries as far as the bridge can
   * tell.
   */
  async #check(
    address: JobAddress,
    advisory: MaxDeliveriesAdvisory,
  ): Promise<string | undefined> {
    if (
      advisory.stream !== address.stream ||
      advisory.consumer !== address.consumer
    ) {
      return "advisory names another stream or consumer";
    }
    if (advisory.deliveries < this.#options.maxDeliver) {
      return "advisory deliveries is below max_deliver";
    }
    if (this.#options.isInFlight(address.stream, advisory.stream_seq)) {
      return "the job is in flight in this bridge";
    }
    const consumer = await this.#options.jsm.consumers.info(
      address.stream,
      address.consumer,
    );
    if (consumer.delivered.stream_seq < advisory.stream_seq) {
      return "the consumer has not delivered the job yet";
    }
    return undefined;
  }

  async #deadLetter(
    address: JobAddress,
    advisory: MaxDeliveriesAdvisory,
  ): Promise<void> {
    const { js, jsm, events } = this.#options;
    const sequence = advisory.stream_seq;
    const fields: DeliveryFields = {
      jobType: address.jobType,
      subject: address.subject,
      stream: address.stream,
      sequence,
      deliveryCount: advisory.deliveries,
    };

    let stored: StoredMsg | null = null;
    const loaded = await this.#retry(fields, async () => {
      stored = await jsm.streams.getMessage(address.stream, { seq: sequence });
    });
    // Gone already: another bridge or an operator settled it.
    if (!loaded || stored === null) return;
    const { subject, data, seq, timestamp } = stored as StoredMsg;
    if (seq !== sequence) return;
    const source = {
      subject,
      seq: sequence,
      data,
      info: {
        deliveryCount: advisory.deliveries,
        timestampNanos: timestampNanosOf(timestamp),
      },
    };

    const published = await this.#retry(fields, async () => {
      const { duplicate, messageId } = await publishDeadLetter(
        js,
        { address, message: source, kind: "exhausted", reason: advisoryReason },
        this.#options.ensureDeadLetterStream,
      );
      if (duplicate) {
        events.emit("dead-letter.duplicate", { ...fields, messageId });
      }
    });
    if (!published) return;
    const deleted = await this.#retry(fields, async () => {
      try {
        await jsm.streams.deleteMessage(address.stream, sequence, false);
      } catch (thrown) {
        throw new Error(
          `the dead letter is stored, but deleting the job from stream ${address.stream} failed`,
          { cause: thrown },
        );
      }
    });
    if (!deleted) return;

    // No function ran in this settlement, so it reports no duration.
    events.emit("job.dead-lettered", {
      ...fields,
      durationMs: 0,
      kind: "exhausted",
      reason: advisoryReason,
    });
  }

  /**
   * Runs `step` until it succeeds or the watcher stops, waiting longer after
   * each failure. Returns whether it succeeded.
   */
  async #retry(
    fields: DeliveryFields,
    step: () => Promise<void>,
  ): Promise<boolean> {
    for (let attempt = 1; !this.#stop.signal.aborted; attempt++) {
      try {
        await step();
        return true;
      } catch (thrown) {
        this.#options.events.emit("dead-letter.failed", {
          ...fields,
          error: toError(thrown),
        });
        const delayMs = Math.min(
          retryDelayMs(attempt, this.#options.retryBaseDelayMs),
          maxRetryDelayMs,
        );
        await sleep(delayMs, this.#stop.signal);
      }
    }
    return false;
  }
}

/**
 * Parses and checks a max-deliveries advisory. Returns the reason it is
 * invalid when it is not JSON or lacks a field the handler reads.
 */
export function parseAdvisory(
  data: Uint8Array,
): MaxDeliveriesAdvisory | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return "advisory is not valid JSON";
  }
  if (typeof parsed !== "object" || parsed === null) {
    return "advisory is not a JSON object";
  }
  const { stream, consumer, stream_seq, deliveries } = parsed as Record<
    string,
    unknown
  >;
  if (typeof stream !== "string" || typeof consumer !== "string") {
    return "advisory has no stream or consumer name";
  }
  if (!isPositiveInteger(stream_seq) || !isPositiveInteger(deliveries)) {
    return "advisory stream_seq or deliveries is not a positive integer";
  }
  return { stream, consumer, stream_seq, deliveries };
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
