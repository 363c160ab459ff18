import type { EnvReader, EnvSource } from "../config/env-reader.ts";
import { jobResultSchema } from "../contract.ts";
import { toError } from "../errors.ts";
import type { JobHandler } from "../functions/job-handler.ts";
import { type JobTypeName, jobCatalogue } from "../jobs/catalogue.ts";
import type { InvokeOutcome, Invoker } from "./invoker.ts";

/** Loads a job type's handler. */
export type HandlerLoader = (jobType: JobTypeName) => Promise<JobHandler>;

/** The exports of each job type's module under `functions/`. */
export interface FunctionModule {
  handler: JobHandler;
  createHandler(source: EnvSource): JobHandler;
  /**
   * Reads the function's settings without building clients, recording
   * problems in `env`, so a bridge can check them before it connects.
   */
  readSettings(env: EnvReader): unknown;
}

async function loadFunctionModule(
  jobType: JobTypeName,
): Promise<FunctionModule> {
  const moduleName = jobCatalogue[jobType].functionModule;
  const url = new URL(`../../functions/${moduleName}.ts`, import.meta.url);
  return (await import(url.href)) as FunctionModule;
}

/**
 * Reads the settings of the given job types' functions, recording every
 * problem in `env`. Nothing is connected or built.
 */
export async function readFunctionSettings(
  env: EnvReader,
  jobTypes: readonly JobTypeName[],
): Promise<void> {
  for (const jobType of jobTypes) {
    const module = await loadFunctionModule(jobType);
    module.readSettings(env);
  }
}

/**
 * Imports `functions/<module>.ts`. With an environment source, builds the
 * handler from it instead of `process.env`; tests give each run its own.
 */
export function importFunctionModule(source?: EnvSource): HandlerLoader {
  return async (jobType) => {
    const module = await loadFunctionModule(jobType);
    return source === undefined ? module.handler : module.createHandler(source);
  };
}

export interface InProcessInvokerOptions {
  /**
   * Timeout per job type, in place of the catalogue's `timeoutSeconds`.
   * Tests use it to time out a hung function quickly.
   */
  timeoutMs?: Partial<Record<JobTypeName, number>>;
}

/**
 * Calls the functions' handlers in this process, through the same contract
 * and outcome rules as the Lambda invoker, and with the same timeout per
 * job type. Used by local runs and tests.
 */
export class InProcessInvoker implements Invoker {
  readonly #load: HandlerLoader;
  readonly #options: InProcessInvokerOptions;
  readonly #handlers = new Map<JobTypeName, JobHandler>();

  constructor(
    load: HandlerLoader = importFunctionModule(),
    options: InProcessInvokerOptions = {},
  ) {
    this.#load = load;
    this.#options = options;
  }

  async start(jobTypes: readonly JobTypeName[]): Promise<void> {
    for (const jobType of jobTypes) {
      const handler = await this.#load(jobType);
      await handler.prepare();
      this.#handlers.set(jobType, handler);
    }
  }

  /**
   * Runs the handler and fails the invoke as retryable once the job type's
   * timeout elapses, as Lambda does.
   *
   * NOTE: a timed-out handler cannot be stopped in-process, so it keeps
   * running and its side effects (a deletion, a sent mail) may still happen.
   * Its late result or error is dropped. The clients' own request timeouts,
   * below the function timeout, make most such calls end soon after.
   */
  async invoke(
    jobType: JobTypeName,
    event: Parameters<Invoker["invoke"]>[1],
  ): Promise<InvokeOutcome> {
    const handler = this.#handlers.get(jobType);
    if (handler === undefined) {
      throw new Error(`no handler started for job type "${jobType}"`);
    }

    const timeoutMs =
      this.#options.timeoutMs?.[jobType] ??
      jobCatalogue[jobType].timeoutSeconds * 1_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<InvokeOutcome>((resolve) => {
      timer = setTimeout(
        () =>
          resolve(failed(`function timed out after ${timeoutMs / 1_000} s`)),
        timeoutMs,
      );
      // A hung handler must not keep a stopped bridge's process alive.
      timer.unref();
    });
    try {
      return await Promise.race([runHandler(handler, event), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.#handlers.clear();
  }
}

/** Calls the handler and turns what it returns or throws into an outcome. */
async function runHandler(
  handler: JobHandler,
  event: Parameters<Invoker["invoke"]>[1],
): Promise<InvokeOutcome> {
  try {
    const result = jobResultSchema.safeParse(await handler(event));
    if (!result.success) {
      return failed(
        `function returned a malformed result: ${result.error.message}`,
      );
    }
    return { status: "completed", result: result.data };
  } catch (thrown) {
    return failed(`function threw: ${toError(thrown).message}`);
  }
}

function failed(reason: string): InvokeOutcome {
  return { status: "failed", reason, throttled: false };
}
