import type { EnvSource } from "../config/env-reader.ts";
import { type JobTypeName, jobTypeNames } from "../jobs/catalogue.ts";
import { InProcessInvoker, importFunctionModule } from "./in-process.ts";
import type { Invoker } from "./invoker.ts";
import { LambdaInvoker } from "./lambda.ts";
import { readLambdaConfig } from "./lambda-config.ts";

/**
 * Builds the invoker the configuration names. The Lambda invoker reads its
 * settings from the same source and throws a ConfigError naming every
 * missing function name of the given job types.
 */
export async function createInvoker(
  kind: "in-process" | "lambda",
  source: EnvSource,
  jobTypes: readonly JobTypeName[] = jobTypeNames,
): Promise<Invoker> {
  if (kind === "lambda") {
    return new LambdaInvoker(readLambdaConfig(source, jobTypes));
  }
  return new InProcessInvoker(importFunctionModule(source));
}
