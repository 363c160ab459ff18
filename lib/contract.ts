import { z } from "zod";

// The event a function receives and the result it returns. Modelled on
// Lambda's partial batch response for SQS: a record missing from `failures`
// succeeded.

/** One delivery of one job, as handed to a function. */
export interface JobRecord<Job = unknown> {
  /** `<stream>:<stream sequence>`, unique per job. */
  id: string;
  subject: string;
  /** 1 on the first delivery. */
  deliveryCount: number;
  /** When the job was published, ISO 8601. */
  publishedAt: string;
  job: Job;
}

export interface JobEvent<Job = unknown> {
  records: JobRecord<Job>[];
}

export interface RecordFailure {
  id: string;
  retryable: boolean;
  reason: string;
}

/** A follow-up job the bridge publishes before it acks the source record. */
export interface FollowUpJob {
  subject: string;
  job: unknown;
  /** The record that produced it; the bridge derives the message id from it. */
  recordId: string;
}

export interface JobResult {
  failures: RecordFailure[];
  enqueue: FollowUpJob[];
}

export const jobEventSchema = z.object({
  records: z.array(
    z.object({
      id: z.string(),
      subject: z.string(),
      deliveryCount: z.number().int().positive(),
      publishedAt: z.string(),
      job: z.unknown(),
    }),
  ),
});

/** Checks a result that came back over the wire (from Lambda). */
export const jobResultSchema = z.object({
  failures: z.array(
    z.object({
      id: z.string(),
      retryable: z.boolean(),
      reason: z.string(),
    }),
  ),
  enqueue: z.array(
    z.object({
      subject: z.string().min(1),
      job: z.unknown(),
      recordId: z.string(),
    }),
  ),
});

export function recordIdOf(stream: string, sequence: number): string {
  return `${stream}:${sequence}`;
}
