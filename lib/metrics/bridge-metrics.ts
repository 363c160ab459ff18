import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { BridgeEvents } from "../bridge/events.ts";

/** Seconds buckets for job durations, from 10 ms to 5 minutes. */
const durationBuckets = [
  0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
];

/**
 * The bridge's Prometheus metrics, counted from its events. Each instance
 * has its own registry, so several bridges in one process (tests) do not
 * share counts.
 */
export class BridgeMetrics {
  readonly registry = new Registry();
  readonly #succeeded: Counter<"job_type">;
  readonly #retried: Counter<"job_type">;
  readonly #deadLettered: Counter<"job_type" | "kind">;
  readonly #duration: Histogram<"job_type" | "outcome">;
  readonly #invocations: Counter<"job_type">;
  readonly #throttled: Counter<"job_type">;
  readonly #pullFailures: Counter<"job_type">;
  readonly #publishFailures: Counter<"job_type" | "kind">;
  readonly #connected: Gauge;

  constructor() {
    const registers = [this.registry];
    this.#succeeded = new Counter({
      name: "axumkit_jobs_succeeded_total",
      help: "Jobs whose function succeeded and that were acked.",
      labelNames: ["job_type"],
      registers,
    });
    this.#retried = new Counter({
      name: "axumkit_jobs_retried_total",
      help: "Deliveries that failed and were nak'ed for a delayed retry.",
      labelNames: ["job_type"],
      registers,
    });
    this.#deadLettered = new Counter({
      name: "axumkit_jobs_dead_lettered_total",
      help: "Jobs stored in the dead-letter stream, by failure kind (invalid, permanent, exhausted).",
      labelNames: ["job_type", "kind"],
      registers,
    });
    this.#duration = new Histogram({
      name: "axumkit_job_duration_seconds",
      help: "Time from the start of a job's batch to its settlement, by outcome.",
      labelNames: ["job_type", "outcome"],
      buckets: durationBuckets,
      registers,
    });
    this.#invocations = new Counter({
      name: "axumkit_function_invocations_total",
      help: "Function invocations that returned a result.",
      labelNames: ["job_type"],
      registers,
    });
    this.#throttled = new Counter({
      name: "axumkit_function_throttles_total",
      help: "Function invocations refused by throttling and retried.",
      labelNames: ["job_type"],
      registers,
    });
    this.#pullFailures = new Counter({
      name: "axumkit_pull_failures_total",
      help: "Failed pulls from a job type's consumer.",
      labelNames: ["job_type"],
      registers,
    });
    this.#publishFailures = new Counter({
      name: "axumkit_publish_failures_total",
      help: "Failed publishes of dead letters or follow-up jobs.",
      labelNames: ["job_type", "kind"],
      registers,
    });
    this.#connected = new Gauge({
      name: "axumkit_nats_connected",
      help: "1 while the bridge is connected to NATS, else 0.",
      registers,
    });
  }

  /** Subscribes the counters to a bridge's events. */
  observe(events: BridgeEvents): this {
    events.on("job.succeeded", ({ jobType, durationMs }) => {
      this.#succeeded.inc({ job_type: jobType });
      this.#observeDuration(jobType, "succeeded", durationMs);
    });
    events.on("job.retrying", ({ jobType, durationMs }) => {
      this.#retried.inc({ job_type: jobType });
      this.#observeDuration(jobType, "retrying", durationMs);
    });
    events.on("job.dead-lettered", ({ jobType, kind, durationMs }) => {
      this.#deadLettered.inc({ job_type: jobType, kind });
      this.#observeDuration(jobType, "dead-lettered", durationMs);
    });
    events.on("invoke.completed", ({ jobType }) =>
      this.#invocations.inc({ job_type: jobType }),
    );
    events.on("invoke.throttled", ({ jobType }) =>
      this.#throttled.inc({ job_type: jobType }),
    );
    events.on("pull.failed", ({ jobType }) =>
      this.#pullFailures.inc({ job_type: jobType }),
    );
    events.on("dead-letter.failed", ({ jobType }) =>
      this.#publishFailures.inc({ job_type: jobType, kind: "dead-letter" }),
    );
    events.on("follow-up.failed", ({ jobType }) =>
      this.#publishFailures.inc({ job_type: jobType, kind: "follow-up" }),
    );
    events.on("bridge.started", () => this.#connected.set(1));
    events.on("connection.status", ({ status }) => {
      if (status === "disconnect") this.#connected.set(0);
      if (status === "reconnect") this.#connected.set(1);
    });
    events.on("bridge.stopped", () => this.#connected.set(0));
    return this;
  }

  /** The metrics in the Prometheus text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  #observeDuration(jobType: string, outcome: string, durationMs: number): void {
    this.#duration.observe({ job_type: jobType, outcome }, durationMs / 1000);
  }
}
