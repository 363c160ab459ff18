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

/**
 * Calls the functions' handlers in this process, through the same contract
 * and outcome rules as the Lambda invoker. Used by local runs and tests.
 */
export class InProcessInvoker implements Invoker {
  readonly #load: HandlerLoader;
  readonly #handlers = new Map<JobTypeName, JobHandler>();

  constructor(load: HandlerLoader = importFunctionModule()) {
    this.#load = load;
  }

  async start(jobTypes: readonly JobTypeName[]): Promise<void> {
    for (const jobType of jobTypes) {
      const handler = await this.#load(jobType);
      await handler.prepare();
      this.#handlers.set(jobType, handler);
    }
  }

  async invoke(
    jobType: JobTypeName,
    event: Parameters<Invoker["invoke"]>[1],
  ): Promise<InvokeOutcome> {
    const handler = this.#handlers.get(jobType);
    if (handler === undefined) {
      throw new Error(`no handler started for job type "${jobType}"`);
    }

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

  async close(): Promise<void> {
    this.#handlers.clear();
  }
}

function failed(reason: string): InvokeOutcome {
  return { status: "failed", reason, throttled: false };
}
