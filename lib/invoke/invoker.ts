import type { JobEvent, JobResult } from "../contract.ts";
import type { JobTypeName } from "../jobs/catalogue.ts";

/**
 * What one invocation of a function came to. `completed` carries the
 * function's own per-record result; `failed` means the whole batch failed
 * (a throw, a timeout, a malformed result, throttling).
 */
export type InvokeOutcome =
  | { status: "completed"; result: JobResult; requestId?: string }
  | {
      status: "failed";
      reason: string;
      /** Throttled invocations are retried without spending an attempt. */
      throttled: boolean;
      requestId?: string;
    };

/** Runs a job type's function on a batch of records. */
export interface Invoker {
  /** Loads what the functions need; fails on bad configuration. */
  start(jobTypes: readonly JobTypeName[]): Promise<void>;
  invoke(jobType: JobTypeName, event: JobEvent): Promise<InvokeOutcome>;
  close(): Promise<void>;
}
