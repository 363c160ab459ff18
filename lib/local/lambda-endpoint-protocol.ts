// Messages between the local Lambda endpoint and its runner processes.

/** One invoke, sent to a runner. */
export interface RunnerRequest {
  requestId: string;
  functionArn: string;
  /** The invoke payload, JSON text. */
  payload: string;
  /** When the function times out, in `Date.now()` milliseconds. */
  deadline: number;
}

/** Sent once the runner has loaded the function module, or failed to. */
export interface RunnerReady {
  ready: true;
}

/** What the handler returned (JSON text) or threw. */
export type RunnerReply =
  | { requestId: string; ok: true; payload: string }
  | {
      requestId: string;
      ok: false;
      errorType: string;
      errorMessage: string;
      trace: string[];
    };
