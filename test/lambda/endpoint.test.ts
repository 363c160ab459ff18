import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  InvokeCommand,
  LambdaClient,
  RequestTooLargeException,
  ResourceNotFoundException,
  TooManyRequestsException,
} from "@aws-sdk/client-lambda";
import type { LocalLambdaEndpoint } from "../../lib/local/lambda-endpoint.ts";
import { handlerPath, startEndpoint } from "./support.ts";

// The local endpoint responds to the real SDK as Lambda does: status, headers,
// payloads and error shapes.

let endpoint: LocalLambdaEndpoint;
let client: LambdaClient;

before(async () => {
  endpoint = await startEndpoint([
    {
      name: "echo",
      modulePath: handlerPath("context-echo"),
      timeoutMs: 2_000,
      memoryMb: 256,
      reservedConcurrency: 1,
    },
  ]);
  client = new LambdaClient({
    endpoint: endpoint.url,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
});

after(async () => {
  client.destroy();
  await endpoint.close();
});

function invoke(event: unknown, functionName = "echo") {
  return client.send(
    new InvokeCommand({
      FunctionName: functionName,
      Payload: new TextEncoder().encode(JSON.stringify(event)),
    }),
  );
}

function payloadOf(response: {
  Payload?: Uint8Array;
}): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(response.Payload));
}

test("endpoint returns result with Lambda context", async () => {
  const response = await invoke({});

  assert.equal(response.StatusCode, 200);
  assert.equal(response.FunctionError, undefined);
  assert.equal(response.ExecutedVersion, "$LATEST");
  const result = payloadOf(response);
  assert.equal(result.awsRequestId, response.$metadata.requestId);
  assert.equal(result.functionName, "echo");
  assert.equal(result.memoryLimitInMB, "256");
  assert.ok(Number(result.remainingMs) > 0);
  assert.ok(Number(result.remainingMs) <= 2_000);
});

test("endpoint reuses a warm process", async () => {
  const first = payloadOf(await invoke({}));
  const second = payloadOf(await invoke({}));

  assert.equal(second.pid, first.pid);
});

test("endpoint reports a timeout as function error", async () => {
  const response = await invoke({ sleepMs: 5_000 });

  assert.equal(response.StatusCode, 200);
  assert.equal(response.FunctionError, "Unhandled");
  const error = payloadOf(response);
  assert.equal(error.errorType, "Sandbox.Timedout");
  assert.equal(
    error.errorMessage,
    `RequestId: ${response.$metadata.requestId} Error: Task timed out after 2.00 seconds`,
  );
});

test("endpoint reports a crash, then starts afresh", async () => {
  const before = payloadOf(await invoke({}));
  const crashed = await invoke({ exitCode: 3 });

  assert.equal(crashed.FunctionError, "Unhandled");
  assert.equal(payloadOf(crashed).errorType, "Runtime.ExitError");
  const after = payloadOf(await invoke({}));
  assert.notEqual(after.pid, before.pid);
});

test("endpoint throttles past reserved concurrency", async () => {
  const running = invoke({ sleepMs: 300 });
  await assert.rejects(invoke({}), (error: unknown) => {
    assert.ok(error instanceof TooManyRequestsException);
    assert.equal(error.$metadata.httpStatusCode, 429);
    assert.equal(
      error.Reason,
      "ReservedFunctionConcurrentInvocationLimitExceeded",
    );
    assert.ok(error.$metadata.requestId);
    return true;
  });
  assert.equal((await running).StatusCode, 200);
});

test("endpoint injects function errors on request", async () => {
  endpoint.inject("echo", { functionErrors: 1 });
  const failed = await invoke({});
  const next = await invoke({});

  assert.equal(failed.FunctionError, "Unhandled");
  assert.equal(next.FunctionError, undefined);
  const record = endpoint.invocations.find(
    (invocation) => invocation.requestId === failed.$metadata.requestId,
  );
  assert.equal(record?.executed, false);
});

test("endpoint rejects an unknown function", async () => {
  await assert.rejects(invoke({}, "missing"), ResourceNotFoundException);
});

test("endpoint rejects a payload over 6 MB", async () => {
  const huge = { html: "é".repeat(3_200_000) };

  await assert.rejects(invoke(huge), RequestTooLargeException);
});
