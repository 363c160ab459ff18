import {
  type FollowUpJob,
  type JobEvent,
  type JobRecord,
  type JobResult,
  jobEventSchema,
  type RecordFailure,
} from "../contract.ts";
import { isPermanent, toError } from "../errors.ts";
import type { JobOf, JobTypeName } from "../jobs/catalogue.ts";
import { validateJob } from "../jobs/decode.ts";
import { createLogger, type Logger } from "../log.ts";
import { FunctionMetrics } from "../metrics/function-metrics.ts";

/** What a batch processor reports: the records that threw, and follow-ups. */
export interface BatchOutcome {
  /** Record id to what it threw. Records not listed succeeded. */
  errors: Map<string, unknown>;
  /** Follow-ups, each naming the record of this batch that produced it. */
  enqueue: FollowUpJob[];
}

export type BatchProcessor<Job> = (
  records: JobRecord<Job>[],
) => Promise<BatchOutcome>;

/** What one record may hand back: follow-up jobs to publish. */
export interface RecordOutcome {
  enqueue?: { subject: string; job: unknown }[];
}

export type RecordProcessor<Job> = (
  job: Job,
  record: JobRecord<Job>,
  // void lets a processor end without a return statement.
) => Promise<RecordOutcome | undefined | void>;

/** The function entry point: a Lambda handler of the batch contract. */
export interface JobHandler {
  (event: unknown, context?: unknown): Promise<JobResult>;
  /** Runs setup now, so bad configuration fails before the first job. */
  prepare(): Promise<void>;
}

export interface JobHandlerOptions<Name extends JobTypeName> {
  jobType: Name;
  /** Runs once per cold start; reads configuration and builds clients. */
  setup: (logger: Logger) => Promise<BatchProcessor<JobOf<Name>>>;
  logger?: Logger;
  /** Writes EMF metrics per batch [FunctionMetrics for the job type]. */
  metrics?: FunctionMetrics;
}

/**
 * Builds a function's handler: validates the event and every record against
 * the catalogue schema, runs the processor, and reports each failed record
 * as permanent (a PermanentJobError or an invalid payload) or retryable.
 */
export function createJobHandler<Name extends JobTypeName>(
  options: JobHandlerOptions<Name>,
): JobHandler {
  const logger = (
    options.logger ?? createLogger(`function.${options.jobType}`)
  ).child({ jobType: options.jobType });
  const metrics =
    options.metrics ?? new FunctionMetrics({ jobType: options.jobType });
  let processor: Promise<BatchProcessor<JobOf<Name>>> | undefined;

  const prepare = () => {
    processor ??= options.setup(logger);
    // A failed setup is retried on the next invocation, not cached forever.
    processor.catch(() => {
      processor = undefined;
    });
    return processor;
  };

  const handler = async (event: unknown): Promise<JobResult> => {
    const startedAt = performance.now();
    const parsedEvent = jobEventSchema.parse(event) as JobEvent;
    const process = await prepare();

    const failures: RecordFailure[] = [];
    const valid: JobRecord<JobOf<Name>>[] = [];
    for (const record of parsedEvent.records) {
      const checked = validateJob(options.jobType, record.job);
      if (checked.ok) {
        valid.push({ ...record, job: checked.job as JobOf<Name> });
      } else {
        failures.push({
          id: record.id,
          retryable: false,
          reason: checked.reason,
        });
      }
    }

    const outcome = valid.length > 0 ? await process(valid) : emptyOutcome();
    for (const [id, thrown] of outcome.errors) {
      const error = toError(thrown);
      const retryable = !isPermanent(thrown);
      logger.error({ err: error, recordId: id, retryable }, "record failed");
      failures.push({ id, retryable, reason: error.message });
    }

    const validIds = new Set(valid.map(({ id }) => id));
    for (const { recordId, subject } of outcome.enqueue) {
      // A wrong id would tie the follow-up to another record's retries.
      if (!validIds.has(recordId)) {
        throw new Error(
          `follow-up to "${subject}" names record id "${recordId}", which is not a valid record of this batch`,
        );
      }
    }
    const enqueue = outcome.enqueue;
    await metrics.recordBatch({
      records: parsedEvent.records,
      failures,
      durationMs: performance.now() - startedAt,
    });
    return { failures, enqueue };
  };

  return Object.assign(handler, {
    prepare: async () => {
      await prepare();
    },
  });
}

/**
 * Adapts a per-record processor to a batch processor. Records run
 * concurrently; one record's error never affects another.
 */
export function forEachRecord<Job>(
  processRecord: RecordProcessor<Job>,
): BatchProcessor<Job> {
  return async (records) => {
    const settled = await Promise.allSettled(
      records.map((record) => processRecord(record.job, record)),
    );

    const outcome = emptyOutcome();
    settled.forEach((result, index) => {
      const record = records[index] as JobRecord<Job>;
      if (result.status === "rejected") {
        outcome.errors.set(record.id, result.reason);
        return;
      }
      for (const item of result.value?.enqueue ?? []) {
        outcome.enqueue.push({ ...item, recordId: record.id });
      }
    });
    return outcome;
  };
}

function emptyOutcome(): BatchOutcome {
  return { errors: new Map(), enqueue: [] };
}
