import type { IncomingMessage, ServerResponse } from "node:http";
import type { Execution } from "./lambda-endpoint-function.ts";

/** Lambda's limit on a synchronous invoke's request and response payloads. */
export const maxPayloadBytes = 6 * 1024 * 1024;

/** How the endpoint answered one invoke request. */
export interface InvokeReply {
  status: number;
  executed: boolean;
  error?: string;
}

export interface ErrorReply {
  status: number;
  /** The error code, sent in `x-amzn-ErrorType` as Lambda does. */
  name: string;
  message: string;
  extra?: Record<string, string>;
}

export class RequestTooLargeError extends Error {
  override name = "RequestTooLargeError";
}

/** Reads the request body as UTF-8, rejecting one over the payload limit. */
export async function readBody(request: IncomingMessage): Promise<string> {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > maxPayloadBytes) throw tooLarge();

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxPayloadBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Answers with an error in the shape the SDK's REST-JSON parser reads. */
export function sendError(
  response: ServerResponse,
  requestId: string,
  reply: ErrorReply,
): InvokeReply {
  const body = JSON.stringify({
    Type: reply.status >= 500 ? "Service" : "User",
    message: reply.message,
    ...reply.extra,
  });
  response.writeHead(reply.status, {
    "Content-Type": "application/json",
    "x-amzn-RequestId": requestId,
    "x-amzn-ErrorType": reply.name,
  });
  response.end(body);
  return { status: reply.status, executed: false, error: reply.name };
}

/**
 * Answers an invoke that reached the function: 200 with the result, or 200
 * with `X-Amz-Function-Error: Unhandled` and Lambda's error document.
 */
export function sendExecution(
  response: ServerResponse,
  requestId: string,
  execution: Execution,
): InvokeReply {
  const checked = checkResponseSize(requestId, execution);
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "x-amzn-RequestId": requestId,
    "X-Amz-Executed-Version": "$LATEST",
  };
  let body: string;
  if (checked.ok) {
    body = checked.payload;
  } else {
    headers["X-Amz-Function-Error"] = "Unhandled";
    body = JSON.stringify({
      errorType: checked.errorType,
      errorMessage: checked.errorMessage,
      trace: checked.trace,
    });
  }

  // A client that gave up has closed its socket; the function still ran.
  if (!response.destroyed) {
    response.writeHead(200, headers);
    response.end(body);
  }
  return {
    status: 200,
    executed: false,
    error: checked.ok ? undefined : "Unhandled",
  };
}

/** Record ids and delivery counts of a job event payload, for the log. */
export function recordFieldsOf(payload: string | undefined): {
  recordIds: string[];
  deliveryCounts: number[];
} {
  const empty = { recordIds: [], deliveryCounts: [] };
  if (payload === undefined || payload === "") return empty;
  try {
    const event = JSON.parse(payload) as {
      records?: { id?: unknown; deliveryCount?: unknown }[];
    };
    const records = Array.isArray(event.records) ? event.records : [];
    return {
      recordIds: records.map((record) => String(record.id)),
      deliveryCounts: records.map((record) => Number(record.deliveryCount)),
    };
  } catch {
    // Not JSON: the endpoint already answered 400 for it.
    return empty;
  }
}

function checkResponseSize(requestId: string, execution: Execution): Execution {
  if (!execution.ok) return execution;
  const bytes = Buffer.byteLength(execution.payload);
  if (bytes <= maxPayloadBytes) return execution;
  return {
    ok: false,
    errorType: "Function.ResponseSizeTooLarge",
    errorMessage: `RequestId: ${requestId} Response payload size (${bytes} bytes) exceeded maximum allowed payload size (${maxPayloadBytes} bytes).`,
    trace: [],
  };
}

function tooLarge(): RequestTooLargeError {
  return new RequestTooLargeError(
    `Request must be smaller than ${maxPayloadBytes} bytes for the InvokeFunction operation`,
  );
}
