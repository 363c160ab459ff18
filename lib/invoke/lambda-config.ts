import { EnvReader, type EnvSource } from "../config/env-reader.ts";
import {
  type JobTypeName,
  jobCatalogue,
  jobTypeNames,
} from "../jobs/catalogue.ts";

/** How the bridge reaches the job types' Lambda functions. */
export interface LambdaConfig {
  /** Unset for AWS; the local endpoint's URL in local runs. */
  endpoint?: string;
  region: string;
  /** Unset to use the default AWS credential chain (the task's role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Function name, or ARN, per job type. */
  functionNames: Record<JobTypeName, string>;
  /** Version or alias to invoke [unset: $LATEST]. */
  qualifier?: string;
  /**
   * Time the client waits beyond the function's own timeout before it gives
   * up on an invoke [5000 ms]. It covers the network and a cold start.
   */
  invokeTimeoutMarginMs: number;
}

/** The variable that names one job type's function: `LAMBDA_FUNCTION_INDEX_POST`. */
export function functionNameVariable(jobType: JobTypeName): string {
  return `LAMBDA_FUNCTION_${jobType.toUpperCase().replaceAll("-", "_")}`;
}

/**
 * Reads the Lambda settings. Each job type's function name comes from its
 * own `LAMBDA_FUNCTION_<JOB>` variable, or else from `LAMBDA_FUNCTION_PREFIX`
 * followed by the job type name. Throws one ConfigError that names every
 * job type without a function name.
 */
export function readLambdaConfig(
  source: EnvSource = process.env,
  jobTypes: readonly JobTypeName[] = jobTypeNames,
): LambdaConfig {
  const env = new EnvReader(source);
  const config = readLambdaSettings(env, jobTypes);
  env.assertValid();
  return config;
}

/** Reads the Lambda settings, recording problems in `env`. */
export function readLambdaSettings(
  env: EnvReader,
  jobTypes: readonly JobTypeName[] = jobTypeNames,
): LambdaConfig {
  const endpoint = env.optional("LAMBDA_ENDPOINT");
  const prefix = env.optional("LAMBDA_FUNCTION_PREFIX");

  const functionNames = {} as Record<JobTypeName, string>;
  const unnamed: string[] = [];
  for (const jobType of jobTypeNames) {
    const name =
      env.optional(functionNameVariable(jobType)) ??
      (prefix === undefined ? undefined : `${prefix}${jobType}`);
    if (name !== undefined) functionNames[jobType] = name;
    else if (jobTypes.includes(jobType)) {
      unnamed.push(functionNameVariable(jobType));
    }
  }
  if (unnamed.length > 0) {
    env.reject(
      `${unnamed.join(", ")} ${unnamed.length === 1 ? "is" : "are"} missing; set each, or LAMBDA_FUNCTION_PREFIX`,
    );
  }

  const region =
    env.optional("LAMBDA_REGION") ??
    env.optional("AWS_REGION") ??
    env.optional("AWS_DEFAULT_REGION") ??
    (endpoint === undefined ? undefined : "us-east-1");
  if (region === undefined) {
    env.reject("LAMBDA_REGION (or AWS_REGION) is missing");
  }

  return {
    endpoint,
    region: region ?? "",
    credentials: readCredentials(env),
    functionNames,
    qualifier: env.optional("LAMBDA_QUALIFIER"),
    invokeTimeoutMarginMs: env.integer(
      "LAMBDA_INVOKE_TIMEOUT_MARGIN_MS",
      5_000,
      {
        min: 100,
        max: 60_000,
      },
    ),
  };
}

/**
 * How long the client waits for one invoke of this job type: the function's
 * timeout plus the margin. It stays finite so a lost response cannot hold a
 * batch forever, and the bridge sends in-progress acks for as long as it
 * waits, so `ack_wait` does not cap it.
 */
export function invokeTimeoutMs(
  jobType: JobTypeName,
  config: Pick<LambdaConfig, "invokeTimeoutMarginMs">,
): number {
  return (
    jobCatalogue[jobType].timeoutSeconds * 1_000 + config.invokeTimeoutMarginMs
  );
}

function readCredentials(env: EnvReader): LambdaConfig["credentials"] {
  const accessKeyId = env.optional("LAMBDA_ACCESS_KEY_ID");
  const secretAccessKey = env.optional("LAMBDA_SECRET_ACCESS_KEY");
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    env.reject(
      "LAMBDA_ACCESS_KEY_ID and LAMBDA_SECRET_ACCESS_KEY must be set together",
    );
  }
  return accessKeyId !== undefined && secretAccessKey !== undefined
    ? { accessKeyId, secretAccessKey }
    : undefined;
}
