import {
  type InvokeCommandOutput,
  LambdaServiceException,
} from "@aws-sdk/client-lambda";
import type { z } from "zod";
import { jobResultSchema } from "../contract.ts";
import { toError } from "../errors.ts";
import type { InvokeOutcome } from "./invoker.ts";

/** The error document Lambda returns as payload with `FunctionError`. */
interface FunctionErrorPayload {
  errorType?: string;
  errorMessage?: string;
}

const decoder = new TextDecoder();

/**
 * Reads a RequestResponse invoke that returned. Status 200 with
 * `FunctionError` (a throw, a timeout, running out of memory) fails the
 * whole batch as retryable; otherwise the payload must be a result of the
 * function contract, and one that is not fails the batch with that reason.
 */
export function outcomeOfResponse(
  response: Pick<
    InvokeCommandOutput,
    "FunctionError" | "Payload" | "StatusCode" | "$metadata"
  >,
): InvokeOutcome {
  const requestId = response.$metadata.requestId;
  const payload = decoder.decode(response.Payload ?? new Uint8Array());

  if (response.FunctionError !== undefined) {
    return {
      status: "failed",
      reason: functionErrorReason(response.FunctionError, payload),
      throttled: false,
      requestId,
    };
  }

  const parsed = parseJson(payload);
  const result = jobResultSchema.safeParse(parsed);
  if (!result.success) {
    const problem =
      parsed === undefined ? "it is not JSON" : summarize(result.error);
    return {
      status: "failed",
      reason: `function returned a malformed result: ${problem}`,
      throttled: false,
      requestId,
    };
  }
  return { status: "completed", result: result.data, requestId };
}

/**
 * Reads an invoke that threw. Throttling (429) and the Lambda service's own
 * faults (5xx: its internal errors, EC2, ENI and subnet limits) mean the
 * function did not run, so the outcome is `throttled` and the bridge retries
 * without spending a delivery attempt. A client timeout is a plain
 * retryable failure: the function may have run.
 */
export function outcomeOfError(
  thrown: unknown,
  timeoutMs: number,
): InvokeOutcome {
  const error = toError(thrown);
  if (error instanceof LambdaServiceException) {
    const status = error.$metadata.httpStatusCode;
    return {
      status: "failed",
      reason: `Lambda rejected the invoke: ${error.name} (HTTP ${status}): ${error.message}`,
      throttled: isThrottle(error),
      requestId: error.$metadata.requestId,
    };
  }

  if (error.name === "TimeoutError") {
    return {
      status: "failed",
      reason: `invoke timed out on the client after ${timeoutMs} ms; the function may still be running`,
      throttled: false,
    };
  }
  return {
    status: "failed",
    reason: `invoke failed: ${error.name}: ${error.message}`,
    throttled: false,
  };
}

/** Whether Lambda turned the invoke away before running the function. */
export function isThrottle(error: LambdaServiceException): boolean {
  return (
    error.$metadata.httpStatusCode === 429 ||
    error.name === "TooManyRequestsException" ||
    error.$fault === "server"
  );
}

function functionErrorReason(kind: string, payload: string): string {
  const parsed = parseJson(payload) as FunctionErrorPayload | undefined;
  const errorType = parsed?.errorType ?? "Error";
  const message = parsed?.errorMessage ?? payload;
  return `function error (${kind}): ${errorType}: ${message}`;
}

/** One line per schema problem: `failures: expected array, …`. */
function summarize(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join(".") || "result"}: ${issue.message}`)
    .join("; ");
}

/** Parses JSON text; undefined when the text is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
