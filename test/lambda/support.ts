import { fileURLToPath } from "node:url";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { BridgeConfig } from "../../lib/config/bridge.ts";
import {
  LambdaInvoker,
  type LambdaInvokerOptions,
} from "../../lib/invoke/lambda.ts";
import type { LambdaConfig } from "../../lib/invoke/lambda-config.ts";
import type { JobTypeName } from "../../lib/jobs/catalogue.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { LocalLambdaEndpoint } from "../../lib/local/lambda-endpoint.ts";
import type { LocalFunctionDefinition } from "../../lib/local/lambda-endpoint-function.ts";

/** Absolute path of a test function module under test/lambda/handlers. */
export function handlerPath(name: string): string {
  return fileURLToPath(new URL(`./handlers/${name}.ts`, import.meta.url));
}

/** The scripted test function as a local function, for one job type. */
export function scriptedFunction(
  name: string,
  jobType: JobTypeName,
  overrides: Partial<LocalFunctionDefinition> = {},
): LocalFunctionDefinition {
  return {
    name,
    modulePath: handlerPath("scripted"),
    timeoutMs: 5_000,
    env: { SCRIPT_JOB_TYPE: jobType, ...overrides.env },
    ...overrides,
  };
}

/** A local endpoint whose function processes print nothing. */
export function startEndpoint(
  functions: LocalFunctionDefinition[],
): Promise<LocalLambdaEndpoint> {
  return LocalLambdaEndpoint.start({ functions, silent: true });
}

/** A Lambda invoker on the real SDK, aimed at the local endpoint. */
export function invokerOn(
  endpoint: LocalLambdaEndpoint,
  functionNames: Partial<Record<JobTypeName, string>>,
  options: LambdaInvokerOptions = {},
): LambdaInvoker {
  const config: LambdaConfig = {
    endpoint: endpoint.url,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    functionNames: functionNames as Record<JobTypeName, string>,
    invokeTimeoutMarginMs: 2_000,
  };
  return new LambdaInvoker(config, options);
}

/** Deletes the job streams and the dead-letter stream a test created. */
export async function deleteStreams(
  connection: NatsConnection,
  config: Pick<BridgeConfig, "jobTypes" | "naming">,
): Promise<void> {
  const jsm = await jetstreamManager(connection);
  const names = config.jobTypes.map(
    (jobType) => addressOf(jobType, config.naming).stream,
  );
  names.push(config.naming.deadLetterStream);
  for (const name of names) {
    await jsm.streams.delete(name).catch(() => false);
  }
}
