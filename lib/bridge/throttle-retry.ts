import type { JobEvent } from "../contract.ts";
import type { InvokeOutcome, Invoker } from "../invoke/invoker.ts";
import type { JobAddress } from "../jobs/naming.ts";
import type { BridgeEvents } from "./events.ts";

/** How long the bridge keeps retrying a throttled invocation. */
export interface ThrottleRetry {
  /** First wait after a throttle [100 ms]; doubles up to `maxDelayMs`. */
  baseDelayMs: number;
  /** Longest single wait [5 s]. */
  maxDelayMs: number;
  /** Total time spent on throttles before the batch fails [60 s]. */
  limitMs: number;
}

export const defaultThrottleRetry: ThrottleRetry = {
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  limitMs: 60_000,
};

interface InvokeContext {
  address: JobAddress;
  invoker: Invoker;
  events: BridgeEvents;
  throttleRetry: ThrottleRetry;
}

/**
 * Invokes the function, and while it is throttled waits with jittered
 * backoff and tries again. A throttled call never ran the function, so
 * these retries do not spend the job's delivery attempts.
 */
export async function invokeWithThrottleRetry(
  context: InvokeContext,
  event: JobEvent,
): Promise<InvokeOutcome> {
  const { address, invoker, events, throttleRetry } = context;
  const started = performance.now();

  for (let attempt = 1; ; attempt++) {
    const invokeStarted = performance.now();
    const outcome = await invoker.invoke(address.jobType, event);
    events.emit("invoke.completed", {
      jobType: address.jobType,
      batchSize: event.records.length,
      durationMs: Math.round(performance.now() - invokeStarted),
      requestId: outcome.requestId,
    });

    const spent = performance.now() - started;
    if (outcome.status !== "failed" || !outcome.throttled) return outcome;
    if (spent >= throttleRetry.limitMs) return outcome;

    const ceiling = Math.min(
      throttleRetry.maxDelayMs,
      throttleRetry.baseDelayMs * 2 ** (attempt - 1),
    );
    // Full jitter keeps replicas that were throttled together from retrying
    // in step.
    const delayMs = Math.round(Math.random() * ceiling);
    events.emit("invoke.throttled", {
      jobType: address.jobType,
      attempt,
      delayMs,
      reason: outcome.reason,
    });
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}
