import { Agent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { JobEvent } from "../contract.ts";
import type { JobTypeName } from "../jobs/catalogue.ts";
import type { InvokeOutcome, Invoker } from "./invoker.ts";
import { invokeTimeoutMs, type LambdaConfig } from "./lambda-config.ts";
import { outcomeOfError, outcomeOfResponse } from "./lambda-outcome.ts";

export interface LambdaInvokerOptions {
  /**
   * Client timeout per job type, in place of the function timeout plus the
   * margin. Tests use it to make the client give up before the function.
   */
  invokeTimeoutMs?: Partial<Record<JobTypeName, number>>;
  /** Open sockets to Lambda at most [50]. */
  maxSockets?: number;
}

/**
 * Invokes one Lambda function per job type, synchronously
 * (RequestResponse). The SDK's own retries are off: the bridge is the only
 * thing that retries, so one delivery is at most one execution.
 */
export class LambdaInvoker implements Invoker {
  readonly #config: LambdaConfig;
  readonly #options: LambdaInvokerOptions;
  readonly #client: LambdaClient;
  readonly #encoder = new TextEncoder();

  constructor(config: LambdaConfig, options: LambdaInvokerOptions = {}) {
    this.#config = config;
    this.#options = options;
    const agentOptions = {
      keepAlive: true,
      maxSockets: options.maxSockets ?? 50,
    };
    this.#client = new LambdaClient({
      endpoint: config.endpoint,
      region: config.region,
      credentials: config.credentials,
      maxAttempts: 1,
      // Options of the SDK's Node.js HTTP handler.
      requestHandler: {
        connectionTimeout: 5_000,
        httpAgent: new Agent(agentOptions),
        httpsAgent: new HttpsAgent(agentOptions),
        // Without it a request past its timeout only logs a warning.
        throwOnRequestTimeout: true,
      },
    });
  }

  /** Checks that every job type to run has a function name. */
  async start(jobTypes: readonly JobTypeName[]): Promise<void> {
    const unnamed = jobTypes.filter(
      (jobType) => this.#config.functionNames[jobType] === undefined,
    );
    if (unnamed.length > 0) {
      throw new Error(`no Lambda function named for ${unnamed.join(", ")}`);
    }
  }

  async invoke(jobType: JobTypeName, event: JobEvent): Promise<InvokeOutcome> {
    const timeoutMs =
      this.#options.invokeTimeoutMs?.[jobType] ??
      invokeTimeoutMs(jobType, this.#config);
    const command = new InvokeCommand({
      FunctionName: this.#config.functionNames[jobType],
      Qualifier: this.#config.qualifier,
      InvocationType: "RequestResponse",
      Payload: this.#encoder.encode(JSON.stringify(event)),
    });

    try {
      const response = await this.#client.send(command, {
        requestTimeout: timeoutMs,
      });
      return outcomeOfResponse(response);
    } catch (thrown) {
      return outcomeOfError(thrown, timeoutMs);
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}
