import { timingSafeEqual } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import type { Logger } from "../log.ts";
import {
  encodeReply,
  outcomeOf,
  type ReplyEncoding,
  type RestOutcome,
} from "./redis-reply.ts";

// A local stand-in for Upstash's REST endpoint in front of a real Redis. It
// speaks the part of the protocol that `@upstash/redis` uses. `POST /` takes
// one command as a JSON array, and `POST /pipeline` and `POST /multi-exec`
// take an array of commands. Every request carries a Bearer token. Replies
// are `{result}` or `{error}` bodies, with strings in base64 when the client
// sends `Upstash-Encoding: base64`.

export interface UpstashRestOptions {
  /** Redis the commands run on, e.g. `redis://127.0.0.1:6379`. */
  redisUrl: string;
  /** Bearer token every request must carry. */
  token: string;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Receives Redis connection and request errors; dropped when unset. */
  logger?: Logger;
}

/** Largest request body accepted, in bytes. */
const maxBodyBytes = 16 * 1024 * 1024;

/**
 * Commands that change the state of the one shared Redis connection
 * (database, transaction, subscriptions) and so cannot run through it.
 */
const unsupportedCommands = new Set([
  "auth",
  "hello",
  "select",
  "quit",
  "reset",
  "multi",
  "exec",
  "discard",
  "watch",
  "unwatch",
  "subscribe",
  "psubscribe",
  "ssubscribe",
  "unsubscribe",
  "punsubscribe",
  "sunsubscribe",
  "monitor",
  "sync",
  "psync",
]);

type Command = [name: string, ...args: string[]];

/** A request the endpoint rejects with HTTP 400 and an `error` body. */
class BadRequestError extends Error {
  override name = "BadRequestError";
}

export interface UpstashRestServer {
  /** Base URL for `UPSTASH_REDIS_REST_URL`. */
  url: string;
  token: string;
  stop(): Promise<void>;
}

/** Starts the REST endpoint once its Redis connection is up. */
export async function startUpstashRestServer(
  options: UpstashRestOptions,
): Promise<UpstashRestServer> {
  const redis = new Redis(options.redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  redis.on("error", (error: Error) => {
    options.logger?.warn({ err: error }, "redis connection error");
  });
  await redis.connect();

  const server = createServer((request, response) => {
    handleRequest(redis, options.token, request, response).catch(
      (error: unknown) => {
        options.logger?.error({ err: error }, "REST request failed");
        const message = error instanceof Error ? error.message : String(error);
        sendJson(response, 500, { error: message });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });

  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token: options.token,
    stop: () => stopServer(server, redis),
  };
}

async function handleRequest(
  redis: Redis,
  token: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (!hasToken(request, token)) {
    sendJson(response, 401, { error: "Unauthorized" });
    return;
  }
  if (request.method !== "POST") {
    sendJson(response, 405, { error: "only POST is supported" });
    return;
  }

  const encoding: ReplyEncoding =
    request.headers["upstash-encoding"] === "base64" ? "base64" : "utf8";
  const path = (request.url ?? "/").split("?")[0]?.replace(/\/+$/, "");
  try {
    const body = await readJsonBody(request);
    if (path === "") {
      const result = await runSingle(redis, parseCommand(body), encoding);
      sendJson(response, "error" in result ? 400 : 200, result);
    } else if (path === "/pipeline") {
      sendJson(
        response,
        200,
        await runPipeline(redis, parseBatch(body), encoding),
      );
    } else if (path === "/multi-exec") {
      sendJson(
        response,
        200,
        await runTransaction(redis, parseBatch(body), encoding),
      );
    } else {
      sendJson(response, 404, { error: `unknown path ${path}` });
    }
  } catch (error) {
    if (!(error instanceof BadRequestError)) throw error;
    sendJson(response, 400, { error: error.message });
  }
}

async function runSingle(
  redis: Redis,
  [name, ...args]: Command,
  encoding: ReplyEncoding,
): Promise<RestOutcome> {
  try {
    const reply = await redis.callBuffer(name, ...args);
    return { result: encodeReply(reply, encoding) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

async function runPipeline(
  redis: Redis,
  commands: Command[],
  encoding: ReplyEncoding,
): Promise<RestOutcome[]> {
  const pipeline = redis.pipeline();
  for (const [name, ...args] of commands) pipeline.callBuffer(name, ...args);
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, reply]) => outcomeOf(error, reply, encoding));
}

/**
 * Runs the commands inside MULTI/EXEC. A command Redis rejects while
 * queueing aborts the whole transaction, which throws and becomes a 400.
 */
async function runTransaction(
  redis: Redis,
  commands: Command[],
  encoding: ReplyEncoding,
): Promise<RestOutcome[]> {
  const transaction = redis.multi();
  for (const [name, ...args] of commands) {
    transaction.callBuffer(name, ...args);
  }

  let replies: [Error | null, unknown][] | null;
  try {
    replies = await transaction.exec();
  } catch (error) {
    throw new BadRequestError((error as Error).message);
  }
  if (replies === null) throw new BadRequestError("transaction aborted");
  return replies.map(([error, reply]) => outcomeOf(error, reply, encoding));
}

function parseBatch(body: unknown): Command[] {
  if (!Array.isArray(body) || body.length === 0) {
    throw new BadRequestError("body must be a non-empty array of commands");
  }
  return body.map(parseCommand);
}

/** Checks one command: a non-empty array of strings, numbers or booleans. */
function parseCommand(value: unknown): Command {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadRequestError("a command must be a non-empty JSON array");
  }
  const parts = value.map((part) => {
    if (["string", "number", "boolean"].includes(typeof part)) {
      return String(part);
    }
    throw new BadRequestError(
      `command arguments must be strings or numbers, got ${JSON.stringify(part)}`,
    );
  });

  const [name, ...args] = parts as [string, ...string[]];
  if (unsupportedCommands.has(name.toLowerCase())) {
    throw new BadRequestError(
      `ERR command "${name}" is not supported by this REST endpoint`,
    );
  }
  return [name, ...args];
}

function hasToken(request: IncomingMessage, token: string): boolean {
  const header = request.headers.authorization ?? "";
  const given = Buffer.from(header.replace(/^Bearer\s+/i, ""));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) {
      throw new BadRequestError(`body is larger than ${maxBodyBytes} bytes`);
    }
    chunks.push(chunk);
  }

  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new BadRequestError("body is not valid JSON");
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  if (response.headersSent) return;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

async function stopServer(server: Server, redis: Redis): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await redis.quit().catch(() => redis.disconnect());
}
