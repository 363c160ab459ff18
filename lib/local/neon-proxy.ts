import { createServer, type IncomingMessage, type Server } from "node:http";
import { connect, isIP, type Socket } from "node:net";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import type { Logger } from "../log.ts";

export interface NeonProxyOptions {
  /** Port to listen on, on 127.0.0.1 [a free one]. */
  port?: number;
  logger?: Logger;
}

/**
 * A WebSocket-to-TCP proxy in front of a local Postgres, so the Neon driver
 * runs unchanged on this machine. The driver opens
 * `ws://<proxy>/v2?address=<host>:<port>` and sends Postgres protocol bytes
 * as binary messages; each connection gets its own TCP socket. Only loopback
 * targets are accepted, so the proxy cannot reach other hosts.
 */
export class NeonProxy {
  readonly port: number;
  readonly #http: Server;
  readonly #wss: WebSocketServer;

  private constructor(port: number, http: Server, wss: WebSocketServer) {
    this.port = port;
    this.#http = http;
    this.#wss = wss;
  }

  static async start(options: NeonProxyOptions = {}): Promise<NeonProxy> {
    const http = createServer((_request, response) => {
      response.writeHead(426, { "content-type": "text/plain" });
      response.end("WebSocket upgrade required\n");
    });
    const wss = new WebSocketServer({ server: http });
    wss.on("connection", (ws, request) => relay(ws, request, options.logger));

    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
    const address = http.address();
    const port = typeof address === "object" && address ? address.port : 0;
    return new NeonProxy(port, http, wss);
  }

  /** The value for `DATABASE_WS_PROXY`: host, port and path, no protocol. */
  get address(): string {
    return `127.0.0.1:${this.port}/v2`;
  }

  /**
   * Closes every relayed connection and stops listening. Connections get a
   * close frame first, because a WebSocket client that sees its socket drop
   * without one reports an error; those still open after a second are cut.
   */
  async stop(): Promise<void> {
    await Promise.all([...this.#wss.clients].map(closeGracefully));
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }
}

/** Parses `?address=host:port`, accepting loopback targets only. */
export function parseTarget(
  url: string | undefined,
): { host: string; port: number } | undefined {
  const address = new URL(url ?? "/", "http://proxy").searchParams.get(
    "address",
  );
  const match = address?.match(/^\[?([^\]]+?)\]?:(\d{1,5})$/);
  if (!match) return undefined;

  const host = match[1] as string;
  const port = Number(match[2]);
  const loopback =
    host === "localhost" ||
    host === "::1" ||
    (isIP(host) === 4 && host.startsWith("127."));
  if (!loopback || port < 1 || port > 65_535) return undefined;
  return { host, port };
}

function relay(ws: WebSocket, request: IncomingMessage, logger?: Logger) {
  const target = parseTarget(request.url);
  if (target === undefined) {
    logger?.warn({ url: request.url }, "proxy rejected a non-loopback target");
    ws.close(1008, "address must be a loopback host:port");
    return;
  }

  const socket: Socket = connect(target.port, target.host);
  socket.setNoDelay(true);
  const pending: Buffer[] = [];

  ws.on("message", (data: RawData) => {
    const bytes = toBuffer(data);
    if (socket.connecting) pending.push(bytes);
    else socket.write(bytes);
  });
  socket.once("connect", () => {
    for (const bytes of pending.splice(0)) socket.write(bytes);
  });
  socket.on("data", (bytes) => ws.send(bytes, { binary: true }));

  socket.once("close", () => ws.close());
  socket.once("error", (error) => {
    logger?.warn({ err: error, ...target }, "proxy lost its Postgres socket");
    ws.terminate();
  });
  ws.once("close", () => socket.destroy());
  ws.once("error", () => socket.destroy());
}

function closeGracefully(ws: WebSocket): Promise<void> {
  if (ws.readyState === ws.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), 1_000);
    ws.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1001, "proxy stopping");
  });
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
