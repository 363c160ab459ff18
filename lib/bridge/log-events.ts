import type { Logger } from "../log.ts";
import type { BridgeEvents } from "./events.ts";

export interface LogEventsOptions {
  /** Leaves out the info line per succeeded job. */
  quietSuccess?: boolean;
}

/** Writes one JSON log line per bridge event: info for outcomes, warn and error for trouble. */
export function logBridgeEvents(
  events: BridgeEvents,
  logger: Logger,
  options: LogEventsOptions = {},
): void {
  events.on("bridge.started", (fields) =>
    logger.info(fields, "bridge started"),
  );
  events.on("bridge.stopping", (fields) =>
    logger.info(fields, "bridge stopping"),
  );
  events.on("bridge.stopped", (fields) =>
    logger.info(fields, "bridge stopped"),
  );
  events.on("provisioned", (fields) => logger.info(fields, "provisioned"));

  if (!options.quietSuccess) {
    events.on("job.succeeded", (fields) =>
      logger.info({ ...fields, outcome: "succeeded" }, "job succeeded"),
    );
  }
  events.on("job.retrying", (fields) =>
    logger.warn({ ...fields, outcome: "retrying" }, "job failed, retrying"),
  );
  events.on("job.dead-lettered", (fields) =>
    logger.error({ ...fields, outcome: "dead-lettered" }, "job dead-lettered"),
  );
  events.on("dead-letter.failed", ({ error, ...fields }) =>
    logger.error({ ...fields, err: error }, "publishing dead letter failed"),
  );
  events.on("dead-letter.duplicate", (fields) =>
    logger.info(fields, "dead letter already stored for this job"),
  );
  events.on("follow-up.failed", ({ error, ...fields }) =>
    logger.error({ ...fields, err: error }, "publishing follow-up job failed"),
  );
  events.on("ack.resending", ({ error, ...fields }) =>
    logger.warn({ ...fields, err: error }, "ack not confirmed, resending"),
  );
  events.on("ack.failed", ({ error, ...fields }) =>
    logger.warn(
      { ...fields, err: error },
      "ack not confirmed, the job may run again",
    ),
  );
  // One line per invoke (a batch) with its duration, size and Lambda
  // request id; debug only when success lines are silenced.
  const invokeLevel = options.quietSuccess ? "debug" : "info";
  events.on("invoke.completed", (fields) =>
    logger[invokeLevel](fields, "invoke completed"),
  );
  events.on("invoke.throttled", (fields) =>
    logger.warn(fields, "invoke throttled"),
  );
  events.on("invoke.failed", (fields) => logger.warn(fields, "invoke failed"));
  events.on("batch.split", (fields) =>
    logger.info(fields, "batch split to fit the invoke payload limit"),
  );
  events.on("advisory.ignored", (fields) =>
    logger.warn(fields, "max-deliveries advisory ignored"),
  );
  events.on("pull.failed", ({ error, ...fields }) =>
    logger.warn({ ...fields, err: error }, "pull failed"),
  );
  // Only trouble reaches this event (missed heartbeats, no responders,
  // a missing consumer); the bridge recovers from each by pulling again.
  events.on("consumer.status", (fields) =>
    logger.warn(fields, "consumer status"),
  );
  events.on("connect.failed", ({ error, ...fields }) =>
    logger.warn({ ...fields, err: error }, "connecting to NATS failed"),
  );
  events.on("connection.status", (fields) => {
    const level =
      fields.status === "disconnect" || fields.status === "error"
        ? "warn"
        : "info";
    logger[level](fields, "nats connection status");
  });
}
