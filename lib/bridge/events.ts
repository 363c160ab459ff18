import { EventEmitter } from "node:events";
import type { FailureKind } from "../dead-letter-headers.ts";
import type { JobTypeName } from "../jobs/catalogue.ts";
import type { ConnectFailure } from "../nats/connect.ts";

/** Identifies one delivery of one job in every job event. */
export interface DeliveryFields {
  jobType: JobTypeName;
  subject: string;
  stream: string;
  sequence: number;
  deliveryCount: number;
}

/**
 * Everything the bridge reports. Logging and metrics subscribe to these;
 * the bridge core never writes log lines itself.
 */
export interface BridgeEventMap {
  "bridge.started": [{ jobTypes: JobTypeName[] }];
  "bridge.stopping": [{ inFlight: number }];
  "bridge.stopped": [{ unfinished: number }];
  provisioned: [
    {
      kind: "stream" | "consumer";
      name: string;
      action: "created" | "updated" | "recreated";
    },
  ];
  "job.succeeded": [DeliveryFields & { durationMs: number }];
  "job.retrying": [
    DeliveryFields & { durationMs: number; delayMs: number; reason: string },
  ];
  "job.dead-lettered": [
    DeliveryFields & { durationMs: number; kind: FailureKind; reason: string },
  ];
  "dead-letter.failed": [DeliveryFields & { error: Error }];
  /** The job's own dead letter was stored before, so this one was dropped. */
  "dead-letter.duplicate": [DeliveryFields & { messageId: string }];
  "follow-up.failed": [DeliveryFields & { error: Error }];
  /** The server did not confirm an ack, so the bridge sends it again. */
  "ack.resending": [DeliveryFields & { error: Error }];
  /** No resent ack was confirmed either; the job may run again. */
  "ack.failed": [DeliveryFields & { error: Error }];
  "invoke.completed": [
    {
      jobType: JobTypeName;
      batchSize: number;
      durationMs: number;
      requestId?: string;
    },
  ];
  "invoke.throttled": [
    { jobType: JobTypeName; attempt: number; delayMs: number; reason: string },
  ];
  /** An invoke failed as a whole; every record in it is retried. */
  "invoke.failed": [
    {
      jobType: JobTypeName;
      batchSize: number;
      requestId?: string;
      throttled: boolean;
      reason: string;
    },
  ];
  /** A batch was split to fit the invoke payload limit. */
  "batch.split": [
    {
      jobType: JobTypeName;
      records: number;
      invokes: number;
      /** Records dead-lettered because they alone exceed the limit. */
      oversized: number;
    },
  ];
  /** A max-deliveries advisory the bridge did not act on, and why. */
  "advisory.ignored": [{ subject: string; reason: string }];
  "pull.failed": [{ jobType: JobTypeName; error: Error; retryInMs: number }];
  "consumer.status": [
    { jobType: JobTypeName; status: string; detail?: string },
  ];
  "connection.status": [{ status: string; server?: string }];
  /** No server accepted the first connect, so the bridge tries again. */
  "connect.failed": [ConnectFailure];
}

export class BridgeEvents extends EventEmitter<BridgeEventMap> {}
