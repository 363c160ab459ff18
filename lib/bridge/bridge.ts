import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { BridgeConfig } from "../config/bridge.ts";
import type { Invoker } from "../invoke/invoker.ts";
import {
  type JobTypeName,
  jobCatalogue,
  jobTypeNames,
} from "../jobs/catalogue.ts";
import { addressOf } from "../jobs/naming.ts";
import { connectNats } from "../nats/connect.ts";
import { AckConfirmer } from "./ack-confirmer.ts";
import { BridgeEvents } from "./events.ts";
import { JobConsumer } from "./job-consumer.ts";
import { MaxDeliveriesWatcher } from "./max-deliveries.ts";
import {
  ensureDeadLetterStream,
  provision,
  provisionJobType,
} from "./provision.ts";
import { defaultThrottleRetry, type ThrottleRetry } from "./throttle-retry.ts";

/** Per job type overrides of the catalogue's consumption settings. */
export interface JobTypeSettings {
  concurrency?: number;
  batchSize?: number;
  batchWindowMs?: number;
}

export interface BridgeOptions {
  config: Omit<BridgeConfig, "invoker" | "quietSuccess">;
  invoker: Invoker;
  events?: BridgeEvents;
  /** An open connection to use; the bridge connects itself when absent. */
  connection?: NatsConnection;
  jobTypeSettings?: Partial<Record<JobTypeName, JobTypeSettings>>;
  throttleRetry?: ThrottleRetry;
  /** How long one pull request waits at the server [10 s]. */
  pullExpiresMs?: number;
}

/**
 * Drains every configured job type's durable consumer into its function.
 * Several bridges may run against the same consumers; each message goes to
 * one of them.
 */
export class Bridge {
  readonly events: BridgeEvents;
  readonly #connection: NatsConnection;
  readonly #ownsConnection: boolean;
  readonly #consumers: JobConsumer[];
  readonly #acks: AckConfirmer;
  readonly #options: BridgeOptions;
  #maxDeliveries: MaxDeliveriesWatcher | undefined;
  #stopped: Promise<number> | undefined;

  private constructor(
    options: BridgeOptions,
    connection: NatsConnection,
    events: BridgeEvents,
    consumers: JobConsumer[],
    acks: AckConfirmer,
  ) {
    this.#options = options;
    this.#connection = connection;
    this.#ownsConnection = options.connection === undefined;
    this.events = events;
    this.#consumers = consumers;
    this.#acks = acks;
  }

  /**
   * Connects, provisions streams and consumers, starts the invoker and
   * begins pulling. Fails without pulling anything when provisioning or the
   * functions' configuration fails.
   */
  static async start(options: BridgeOptions): Promise<Bridge> {
    const { config, invoker } = options;
    const events = options.events ?? new BridgeEvents();
    const connection =
      options.connection ??
      (await connectNats(config.nats, {
        onConnectFailed: (failure) => events.emit("connect.failed", failure),
      }));

    try {
      const jsm = await jetstreamManager(connection);
      await provision(jsm, config, events);
      await invoker.start(config.jobTypes);

      const js = jetstream(connection);
      const acks = new AckConfirmer(connection);
      const createMissingDeadLetterStream = () =>
        ensureDeadLetterStream(jsm, config, events);
      const followUpSubjects = new Set(
        jobTypeNames.map(
          (jobType) => addressOf(jobType, config.naming).subject,
        ),
      );
      const consumers = config.jobTypes.map((jobType) => {
        const entry = jobCatalogue[jobType];
        const settings = options.jobTypeSettings?.[jobType] ?? {};
        return new JobConsumer({
          js,
          acks,
          address: addressOf(jobType, config.naming),
          invoker,
          events,
          ackWaitMs: config.ackWaitMs,
          maxDeliver: config.maxDeliver,
          retryBaseDelayMs: config.retryBaseDelayMs,
          throttleRetry: options.throttleRetry ?? defaultThrottleRetry,
          followUpSubjects,
          ensureDeadLetterStream: createMissingDeadLetterStream,
          concurrency: settings.concurrency ?? entry.concurrency,
          batchSize: settings.batchSize ?? entry.batchSize,
          batchWindowMs: settings.batchWindowMs ?? entry.batchWindowMs,
          pullExpiresMs: options.pullExpiresMs ?? 10_000,
          reprovision: () =>
            provisionJobType(jsm, jobType, config, events, "create-missing"),
        });
      });

      const bridge = new Bridge(options, connection, events, consumers, acks);
      bridge.#watchConnection();
      bridge.#maxDeliveries = new MaxDeliveriesWatcher({
        connection,
        js,
        jsm,
        addresses: config.jobTypes.map((jobType) =>
          addressOf(jobType, config.naming),
        ),
        events,
        retryBaseDelayMs: config.retryBaseDelayMs,
        maxDeliver: config.maxDeliver,
        ensureDeadLetterStream: createMissingDeadLetterStream,
        isInFlight: (stream, sequence) =>
          consumers.some((consumer) => consumer.hasInFlight(stream, sequence)),
      });
      bridge.#maxDeliveries.start();
      acks.start();
      for (const consumer of consumers) consumer.start();
      events.emit("bridge.started", { jobTypes: config.jobTypes });
      return bridge;
    } catch (error) {
      if (options.connection === undefined) await connection.close();
      throw error;
    }
  }

  /**
   * Messages pulled and not yet settled, over all job types. An acked
   * message counts until the server confirms the ack.
   */
  get inFlight(): number {
    return this.#consumers.reduce(
      (sum, consumer) => sum + consumer.inFlight,
      0,
    );
  }

  /**
   * Messages that open pulls requested and have not received yet, over
   * all job types.
   */
  get awaitingDelivery(): number {
    return this.#consumers.reduce(
      (sum, consumer) => sum + consumer.awaitingDelivery,
      0,
    );
  }

  /** Whether the connection to NATS is open right now. */
  get connected(): boolean {
    return !this.#connection.isClosed() && this.#connection.info !== undefined;
  }

  /**
   * Stops pulling, lets running jobs finish within the shutdown timeout, and
   * closes the connection after flushing acks. Returns the number of
   * messages left unsettled; the server redelivers them.
   */
  stop(): Promise<number> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<number> {
    this.events.emit("bridge.stopping", { inFlight: this.inFlight });
    const timeoutMs = this.#options.config.shutdownTimeoutMs;
    const unfinished = await Promise.all(
      this.#consumers.map((consumer) => consumer.stop(timeoutMs)),
    );
    const total = unfinished.reduce((sum, count) => sum + count, 0);
    await this.#maxDeliveries?.stop();
    // Acks still unconfirmed after the shutdown timeout are given up on
    // (`ack.failed`): if the server missed them, it redelivers those jobs.
    this.#acks.close();

    if (this.#ownsConnection) {
      await this.#connection.drain().catch(() => this.#connection.close());
    } else {
      await this.#connection.flush().catch(() => undefined);
    }
    await this.#options.invoker.close();
    this.events.emit("bridge.stopped", { unfinished: total });
    return total;
  }

  async #watchConnection(): Promise<void> {
    for await (const status of this.#connection.status()) {
      const server = "server" in status ? String(status.server) : undefined;
      try {
        this.events.emit("connection.status", { status: status.type, server });
      } catch {
        // A throwing listener would end this loop with an unhandled
        // rejection; later statuses must still be reported.
      }
    }
  }
}
