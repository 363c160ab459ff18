// The child process that plays one Lambda execution environment of the local
// endpoint: it imports the function module once (the cold start), then runs
// one invoke at a time as the parent sends them over the IPC channel.
import { pathToFileURL } from "node:url";
import type {
  RunnerReady,
  RunnerReply,
  RunnerRequest,
} from "./lambda-endpoint-protocol.ts";

type Handler = (event: unknown, context: LambdaContext) => Promise<unknown>;

/** The fields of Lambda's Node.js context object that handlers use. */
interface LambdaContext {
  awsRequestId: string;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

class RuntimeError extends Error {
  readonly errorType: string;

  constructor(errorType: string, message: string) {
    super(message);
    this.errorType = errorType;
  }
}

const modulePath = process.env.LOCAL_LAMBDA_MODULE ?? "";
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? "";
const handlerPromise = loadHandler(modulePath);
// An init error is reported on each invoke, as Lambda reports it.
const ready: RunnerReady = { ready: true };
handlerPromise.then(
  () => process.send?.(ready),
  () => process.send?.(ready),
);

process.on("message", (request: RunnerRequest) => {
  void run(request).then((reply) => process.send?.(reply));
});
// The endpoint is gone: end even if the handler keeps sockets or timers open.
process.on("disconnect", () => process.exit(0));

async function loadHandler(path: string): Promise<Handler> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<
      string,
      unknown
    >;
  } catch (thrown) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    throw new RuntimeError("Runtime.ImportModuleError", message);
  }

  const handler = module.handler;
  if (typeof handler !== "function") {
    throw new RuntimeError(
      "Runtime.HandlerNotFound",
      `${path} does not export a function named handler`,
    );
  }
  return handler as Handler;
}

async function run(request: RunnerRequest): Promise<RunnerReply> {
  try {
    const handler = await handlerPromise;
    const result = await handler(
      JSON.parse(request.payload),
      contextFor(request),
    );
    return {
      requestId: request.requestId,
      ok: true,
      payload: JSON.stringify(result ?? null),
    };
  } catch (thrown) {
    return { requestId: request.requestId, ok: false, ...describe(thrown) };
  }
}

function contextFor(request: RunnerRequest): LambdaContext {
  return {
    awsRequestId: request.requestId,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: request.functionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? "128",
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${process.pid}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, request.deadline - Date.now()),
  };
}

function describe(thrown: unknown): {
  errorType: string;
  errorMessage: string;
  trace: string[];
} {
  if (thrown instanceof RuntimeError) {
    return {
      errorType: thrown.errorType,
      errorMessage: thrown.message,
      trace: [],
    };
  }
  if (thrown instanceof Error) {
    return {
      errorType: thrown.name,
      errorMessage: thrown.message,
      trace: (thrown.stack ?? "").split("\n"),
    };
  }
  return { errorType: "Error", errorMessage: String(thrown), trace: [] };
}
