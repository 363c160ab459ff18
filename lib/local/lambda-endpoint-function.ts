import { type ChildProcess, fork } from "node:child_process";
import type { EnvSource } from "../config/env-reader.ts";
import type {
  RunnerReady,
  RunnerReply,
  RunnerRequest,
} from "./lambda-endpoint-protocol.ts";

/** One function the local endpoint serves. */
export interface LocalFunctionDefinition {
  name: string;
  /** Absolute path of the module whose `handler` export runs. */
  modulePath: string;
  /** Function timeout, in ms. */
  timeoutMs: number;
  memoryMb?: number;
  /** Environment of the function's processes (besides the Lambda ones). */
  env?: EnvSource;
  /**
   * Invokes that may run at once; one more is throttled with a 429 as
   * Lambda does past a function's reserved concurrency [10].
   */
  reservedConcurrency?: number;
}

/** How an execution ended: what the handler returned, or a function error. */
export type Execution =
  | { ok: true; payload: string }
  | { ok: false; errorType: string; errorMessage: string; trace: string[] };

/** Lambda gives a function's init phase 10 s, apart from its timeout. */
const initTimeoutMs = 10_000;

const runnerPath = new URL("./lambda-endpoint-runner.ts", import.meta.url)
  .pathname;

/** A function over too many invokes at once. */
export class ConcurrencyLimitError extends Error {
  override name = "ConcurrencyLimitError";
}

/**
 * Runs one function's invokes in child processes, one invoke at a time per
 * process, as Lambda runs them in execution environments: an idle process
 * is reused (warm), a new one is forked when all are busy (cold). A process
 * that times out or exits is discarded, like an environment Lambda resets.
 */
export class LocalFunction {
  readonly definition: LocalFunctionDefinition;
  readonly #arn: string;
  readonly #idle: ChildProcess[] = [];
  readonly #all = new Set<ChildProcess>();
  /** Per process: resolves true once its module is loaded, false if it exits. */
  readonly #ready = new Map<ChildProcess, Promise<boolean>>();
  readonly #silent: boolean;
  #busy = 0;

  constructor(definition: LocalFunctionDefinition, silent: boolean) {
    this.definition = definition;
    this.#silent = silent;
    this.#arn = `arn:aws:lambda:us-east-1:000000000000:function:${definition.name}`;
  }

  /** Runs one invoke; throws ConcurrencyLimitError when at the limit. */
  async execute(requestId: string, payload: string): Promise<Execution> {
    const limit = this.definition.reservedConcurrency ?? 10;
    if (this.#busy >= limit) {
      throw new ConcurrencyLimitError(
        `${this.definition.name} is running ${this.#busy} invokes, its limit`,
      );
    }

    this.#busy++;
    const child = this.#idle.pop() ?? this.#fork();
    try {
      const execution = await this.#run(child, requestId, payload);
      if (this.#all.has(child)) this.#idle.push(child);
      return execution;
    } finally {
      this.#busy--;
    }
  }

  /** Stops every process of this function. */
  async close(): Promise<void> {
    const children = [...this.#all];
    this.#idle.length = 0;
    await Promise.all(children.map((child) => this.#kill(child)));
  }

  #fork(): ChildProcess {
    const { definition } = this;
    const child = fork(runnerPath, [], {
      env: {
        ...definition.env,
        LOCAL_LAMBDA_MODULE: definition.modulePath,
        AWS_LAMBDA_FUNCTION_NAME: definition.name,
        AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(definition.memoryMb ?? 128),
      },
      // Its own process group: Ctrl-C on `npm run dev` must not end a
      // running invoke before the bridge has stopped. The runner exits once
      // the IPC channel to this process closes.
      detached: true,
      stdio: this.#silent
        ? ["ignore", "ignore", "ignore", "ipc"]
        : ["ignore", "inherit", "inherit", "ipc"],
    });
    this.#all.add(child);
    this.#ready.set(child, readyPromise(child));
    child.once("exit", () => this.#forget(child));
    return child;
  }

  /**
   * Runs the invoke once the process has loaded the module. The function
   * timeout starts then, as the init phase has its own limit in Lambda.
   */
  async #run(
    child: ChildProcess,
    requestId: string,
    payload: string,
  ): Promise<Execution> {
    let timer: NodeJS.Timeout | undefined;
    const initTimedOut = new Promise<"timed out">((resolve) => {
      timer = setTimeout(() => resolve("timed out"), initTimeoutMs);
    });
    const ready = await Promise.race([this.#ready.get(child), initTimedOut]);
    clearTimeout(timer);

    if (ready === "timed out") {
      await this.#kill(child);
      return runtimeError(
        "Sandbox.Timedout",
        `RequestId: ${requestId} Error: Init timed out after ${initTimeoutMs / 1_000} seconds`,
      );
    }
    if (ready !== true) {
      return runtimeError(
        "Runtime.ExitError",
        `RequestId: ${requestId} Error: Runtime exited during init`,
      );
    }
    return this.#execute(child, requestId, payload);
  }

  #execute(
    child: ChildProcess,
    requestId: string,
    payload: string,
  ): Promise<Execution> {
    const { timeoutMs } = this.definition;
    const request: RunnerRequest = {
      requestId,
      functionArn: this.#arn,
      payload,
      deadline: Date.now() + timeoutMs,
    };

    return new Promise((resolve) => {
      const finish = (execution: Execution) => {
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve(execution);
      };
      const onMessage = (reply: RunnerReply) => {
        if (reply.requestId !== requestId) return;
        const { requestId: _id, ...execution } = reply;
        finish(execution);
      };
      const onExit = (code: number | null, signal: string | null) =>
        finish(
          runtimeError(
            "Runtime.ExitError",
            `RequestId: ${requestId} Error: Runtime exited with error: ${signal ?? `exit status ${code}`}`,
          ),
        );
      const timer = setTimeout(() => {
        void this.#kill(child);
        finish(timedOut(requestId, timeoutMs));
      }, timeoutMs);

      child.on("message", onMessage);
      child.once("exit", onExit);
      child.send(request);
    });
  }

  #forget(child: ChildProcess): void {
    this.#all.delete(child);
    this.#ready.delete(child);
    const index = this.#idle.indexOf(child);
    if (index >= 0) this.#idle.splice(index, 1);
  }

  #kill(child: ChildProcess): Promise<void> {
    this.#forget(child);
    if (child.exitCode !== null || child.signalCode !== null) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  }
}

function readyPromise(child: ChildProcess): Promise<boolean> {
  return new Promise((resolve) => {
    const onMessage = (message: RunnerReady | RunnerReply) => {
      if (!("ready" in message)) return;
      child.off("message", onMessage);
      resolve(true);
    };
    child.on("message", onMessage);
    child.once("exit", () => resolve(false));
  });
}

/** The function error Lambda reports for an invoke past its timeout. */
export function timedOut(requestId: string, timeoutMs: number): Execution {
  const seconds = (timeoutMs / 1_000).toFixed(2);
  return runtimeError(
    "Sandbox.Timedout",
    `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds`,
  );
}

function runtimeError(errorType: string, errorMessage: string): Execution {
  return { ok: false, errorType, errorMessage, trace: [] };
}
