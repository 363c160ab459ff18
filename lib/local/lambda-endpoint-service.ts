import { fileURLToPath } from "node:url";
import {
  type EnvSource,
  envValue,
  withoutBlankValues,
} from "../config/env-reader.ts";
import { readLambdaConfig } from "../invoke/lambda-config.ts";
import {
  type JobTypeName,
  jobCatalogue,
  jobTypeNames,
} from "../jobs/catalogue.ts";
import { LocalLambdaEndpoint } from "./lambda-endpoint.ts";
import type { LocalFunctionDefinition } from "./lambda-endpoint-function.ts";
import { reusedService, type ServiceStarter } from "./stack.ts";

/** Settings the bridge needs to reach the local endpoint. */
const localLambdaEnv = {
  LAMBDA_FUNCTION_PREFIX: "axumkit-local-",
  LAMBDA_REGION: "us-east-1",
  LAMBDA_ACCESS_KEY_ID: "local",
  LAMBDA_SECRET_ACCESS_KEY: "local",
};

/**
 * The function of each job type, run from `functions/<module>.ts` with the
 * catalogue's timeout and memory and the given environment.
 */
export function catalogueFunctions(
  functionNames: Record<JobTypeName, string>,
  env: EnvSource,
): LocalFunctionDefinition[] {
  return jobTypeNames.map((jobType) => {
    const entry = jobCatalogue[jobType];
    const moduleUrl = new URL(
      `../../functions/${entry.functionModule}.ts`,
      import.meta.url,
    );
    return {
      name: functionNames[jobType],
      modulePath: fileURLToPath(moduleUrl),
      timeoutMs: entry.timeoutSeconds * 1_000,
      memoryMb: entry.memoryMb,
      env,
    };
  });
}

/**
 * The local Lambda endpoint with every job type's function, unless
 * `LAMBDA_ENDPOINT` is set. Start it after the services the functions use:
 * the functions get the environment as it is at this point.
 */
export const startLocalLambda: ServiceStarter = async ({ env }) => {
  const givenEndpoint = envValue(env, "LAMBDA_ENDPOINT");
  if (givenEndpoint !== undefined) {
    return reusedService("lambda", givenEndpoint, {
      LAMBDA_ENDPOINT: givenEndpoint,
    });
  }

  // A blank variable keeps the local default.
  const settings = { ...localLambdaEnv, ...withoutBlankValues(env) };
  const config = readLambdaConfig({ ...settings, LAMBDA_ENDPOINT: "local" });
  const endpoint = await LocalLambdaEndpoint.start({
    functions: catalogueFunctions(config.functionNames, env),
  });
  const serviceEnv: Record<string, string> = { LAMBDA_ENDPOINT: endpoint.url };
  for (const [name, value] of Object.entries(localLambdaEnv)) {
    serviceEnv[name] = settings[name as keyof typeof localLambdaEnv] ?? value;
  }
  return {
    name: "lambda",
    url: endpoint.url,
    reused: false,
    env: serviceEnv,
    stop: () => endpoint.close(),
  };
};
