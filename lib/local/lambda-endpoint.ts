import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import {
  applyFaultRequest,
  type Fault,
  type FaultRequest,
  type FaultSettings,
  noFaults,
  takeFault,
} from "./lambda-endpoint-faults.ts";
import {
  ConcurrencyLimitError,
  type Execution,
  LocalFunction,
  type LocalFunctionDefinition,
  timedOut,
} from "./lambda-endpoint-function.ts";
import {
  type InvokeReply,
  RequestTooLargeError,
  readBody,
  recordFieldsOf,
  sendError,
  sendExecution,
} from "./lambda-endpoint-http.ts";

/** One invoke request the endpoint handled. */
export interface InvocationRecord {
  functionName: string;
  requestId: string;
  /** HTTP status of the response. */
  status: number;
  /** Whether the function's handler was started for it. */
  executed: boolean;
  /** `X-Amz-Function-Error`, or the error type of a rejected request. */
  error?: string;
  /** Record ids and delivery counts, when the payload is a job event. */
  recordIds: string[];
  deliveryCounts: number[];
}

export interface LocalLambdaEndpointOptions {
  functions: LocalFunctionDefinition[];
  /** A free port is chosen when absent. */
  port?: number;
  /** Drops the function processes' output (tests) [false]. */
  silent?: boolean;
}

const invokePath = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/**
 * A local stand-in for the Lambda Invoke API, on loopback: the path,
 * headers and error shapes the AWS SDK uses, with the project's handlers
 * run in child processes. Tests inject latency, throttles, function errors,
 * timeouts and service errors per function.
 */
export class LocalLambdaEndpoint {
  readonly invocations: InvocationRecord[] = [];
  /** Emits `invocation` with each InvocationRecord once its response is sent. */
  readonly events = new EventEmitter<{ invocation: [InvocationRecord] }>();
  readonly #server: Server;
  readonly #functions = new Map<string, LocalFunction>();
  readonly #faults = new Map<string, FaultSettings>();

  private constructor(options: LocalLambdaEndpointOptions) {
    for (const definition of options.functions) {
      this.#functions.set(
        definition.name,
        new LocalFunction(definition, options.silent ?? false),
      );
      this.#faults.set(definition.name, noFaults());
    }
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) =>
        this.#failed(response, error),
      );
    });
  }

  static async start(
    options: LocalLambdaEndpointOptions,
  ): Promise<LocalLambdaEndpoint> {
    const endpoint = new LocalLambdaEndpoint(options);
    await new Promise<void>((resolve, reject) => {
      endpoint.#server.once("error", reject);
      endpoint.#server.listen(options.port ?? 0, "127.0.0.1", resolve);
    });
    return endpoint;
  }

  get url(): string {
    const address = this.#server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    return `http://127.0.0.1:${port}`;
  }

  /** Sets faults for one function, or for every function without a name. */
  inject(functionName: string | undefined, request: FaultRequest): void {
    const names =
      functionName === undefined ? [...this.#faults.keys()] : [functionName];
    for (const name of names) {
      const settings = this.#faults.get(name);
      if (settings === undefined) throw new Error(`no function "${name}"`);
      applyFaultRequest(settings, request);
    }
  }

  /** Stops listening and ends every function process. */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await Promise.all(
      [...this.#functions.values()].map((local) => local.close()),
    );
  }

  async #handle(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(request.url ?? "/", "http://localhost");
    const match = invokePath.exec(url.pathname);
    if (request.method !== "POST" || match === null) {
      sendError(response, requestId, {
        status: 404,
        name: "UnknownOperationException",
        message: `no operation at ${request.method} ${url.pathname}`,
      });
      return;
    }

    const functionName = functionNameOf(decodeURIComponent(match[1] ?? ""));
    const local = this.#functions.get(functionName);
    const record = (reply: InvokeReply, payload?: string) =>
      this.#record(functionName, requestId, reply, payload);

    if (local === undefined) {
      record(
        sendError(response, requestId, {
          status: 404,
          name: "ResourceNotFoundException",
          message: `Function not found: ${functionName}`,
        }),
      );
      return;
    }

    let payload: string;
    try {
      payload = await readBody(request);
      JSON.parse(payload === "" ? "{}" : payload);
    } catch (error) {
      record(sendError(response, requestId, rejection(error)));
      return;
    }

    const invocationType =
      request.headers["x-amz-invocation-type"] ?? "RequestResponse";
    if (invocationType !== "RequestResponse") {
      record(
        sendError(response, requestId, {
          status: 400,
          name: "InvalidParameterValueException",
          message: `the local endpoint runs only RequestResponse invokes, not ${invocationType}`,
        }),
      );
      return;
    }

    const reply = await this.#invoke(local, requestId, payload, response);
    record(reply, payload);
  }

  async #invoke(
    local: LocalFunction,
    requestId: string,
    payload: string,
    response: ServerResponse,
  ): Promise<InvokeReply> {
    const settings = this.#faults.get(local.definition.name) ?? noFaults();
    const fault: Fault = takeFault(settings);
    if (fault.kind === "throttle") {
      return sendError(response, requestId, throttleRejection());
    }
    if (fault.kind === "service-error") {
      return sendError(response, requestId, {
        status: fault.status,
        name: fault.name,
        message: "injected by the local endpoint",
      });
    }

    if (settings.latencyMs > 0) await sleep(settings.latencyMs);
    if (fault.kind === "function-error") {
      return sendExecution(response, requestId, injectedFunctionError());
    }
    if (fault.kind === "timeout") {
      await sleep(local.definition.timeoutMs);
      return sendExecution(
        response,
        requestId,
        timedOut(requestId, local.definition.timeoutMs),
      );
    }

    try {
      const execution = await local.execute(requestId, payload || "{}");
      return {
        ...sendExecution(response, requestId, execution),
        executed: true,
      };
    } catch (error) {
      if (!(error instanceof ConcurrencyLimitError)) throw error;
      return sendError(response, requestId, throttleRejection());
    }
  }

  /** Responds to a request that failed inside the endpoint, as Lambda's 500. */
  #failed(response: ServerResponse, error: unknown): void {
    if (response.headersSent || response.destroyed) return;
    sendError(response, randomUUID(), {
      status: 500,
      name: "ServiceException",
      message: `local endpoint failed: ${error instanceof Error ? error.message : String(error)}`,
    });
  }

  #record(
    functionName: string,
    requestId: string,
    reply: InvokeReply,
    payload?: string,
  ): void {
    const invocation: InvocationRecord = {
      functionName,
      requestId,
      ...reply,
      ...recordFieldsOf(payload),
    };
    this.invocations.push(invocation);
    this.events.emit("invocation", invocation);
  }
}

/** The name in a function name, a partial ARN or a full ARN. */
function functionNameOf(nameOrArn: string): string {
  const parts = nameOrArn.split(":");
  const functionIndex = parts.indexOf("function");
  return functionIndex >= 0 ? (parts[functionIndex + 1] ?? "") : nameOrArn;
}

function rejection(error: unknown) {
  if (error instanceof RequestTooLargeError) {
    return {
      status: 413,
      name: "RequestTooLargeException",
      message: error.message,
    };
  }
  return {
    status: 400,
    name: "InvalidRequestContentException",
    message: "Could not parse request body into json",
  };
}

/** Builds the 429 Lambda returns past a function's concurrency. */
function throttleRejection() {
  return {
    status: 429,
    name: "TooManyRequestsException",
    message: "Rate Exceeded.",
    extra: {
      Reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
    },
  };
}

function injectedFunctionError(): Execution {
  return {
    ok: false,
    errorType: "Error",
    errorMessage: "function error injected by the local endpoint",
    trace: [],
  };
}
