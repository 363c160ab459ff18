import { once } from "node:events";
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { EnvReader, type EnvSource } from "../config/env-reader.ts";
import { toError } from "../errors.ts";
import { BridgeMetrics } from "../metrics/bridge-metrics.ts";
import type { BridgeEvents } from "./events.ts";

/** Where the health and metrics endpoints listen. */
export interface HealthConfig {
  /** `HEALTH_PORT` [9464]; 0 picks a free port. */
  port: number;
  /** `HEALTH_HOST` [0.0.0.0], so a load balancer can reach it. */
  host: string;
}

export function readHealthConfig(
  source: EnvSource = process.env,
  defaultHost = "0.0.0.0",
): HealthConfig {
  const env = new EnvReader(source);
  const config = readHealthSettings(env, defaultHost);
  env.assertValid();
  return config;
}

/** Reads `HEALTH_PORT` and `HEALTH_HOST`, recording problems in `env`. */
export function readHealthSettings(
  env: EnvReader,
  defaultHost = "0.0.0.0",
): HealthConfig {
  return {
    port: env.integer("HEALTH_PORT", 9464, { min: 0, max: 65_535 }),
    host: env.string("HEALTH_HOST", defaultHost),
  };
}

/**
 * Whether the bridge can take jobs, followed from its events: ready once
 * it has provisioned and bound its consumers (`bridge.started`), not ready
 * while the NATS connection is down or after shutdown began.
 */
export class BridgeReadiness {
  #started = false;
  #connected = false;
  #stopping = false;

  constructor(events: BridgeEvents) {
    events.on("bridge.started", () => {
      this.#started = true;
      this.#connected = true;
    });
    events.on("connection.status", ({ status }) => {
      if (status === "disconnect" || status === "close")
        this.#connected = false;
      if (status === "reconnect") this.#connected = true;
    });
    events.on("bridge.stopping", () => {
      this.#stopping = true;
    });
  }

  get ready(): boolean {
    return this.#started && this.#connected && !this.#stopping;
  }

  /** Why the bridge is not ready; empty when it is. */
  get reasons(): string[] {
    const reasons: string[] = [];
    if (!this.#started) reasons.push("consumers not bound yet");
    if (this.#started && !this.#connected)
      reasons.push("not connected to NATS");
    if (this.#stopping) reasons.push("shutting down");
    return reasons;
  }
}

/** The health port is taken by another process. */
export class HealthPortInUseError extends Error {
  override name = "HealthPortInUseError";

  constructor(config: HealthConfig, options?: ErrorOptions) {
    super(
      `port ${config.port} on ${config.host} for /healthz and /metrics is ` +
        "already in use; set HEALTH_PORT to a free port, or to 0 to pick one",
      options,
    );
  }
}

/**
 * Serves `GET /healthz` (200 when ready, 503 with the reasons when not) and
 * `GET /metrics` (Prometheus text) for one bridge. Start it before the
 * bridge, so a health check sees "not ready" during provisioning.
 */
export class HealthServer {
  readonly metrics: BridgeMetrics;
  readonly readiness: BridgeReadiness;
  readonly #server: Server;

  private constructor(events: BridgeEvents) {
    this.metrics = new BridgeMetrics().observe(events);
    this.readiness = new BridgeReadiness(events);
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        response.statusCode = 500;
        response.end(toError(error).message);
      });
    });
  }

  static async start(
    events: BridgeEvents,
    config: HealthConfig,
  ): Promise<HealthServer> {
    const health = new HealthServer(events);
    health.#server.listen(config.port, config.host);
    try {
      await once(health.#server, "listening");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
        throw new HealthPortInUseError(config, { cause: error });
      }
      throw error;
    }
    return health;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }

    if (path === "/healthz") {
      const { ready, reasons } = this.readiness;
      response
        .writeHead(ready ? 200 : 503, { "content-type": "application/json" })
        .end(
          JSON.stringify({ status: ready ? "ready" : "not ready", reasons }),
        );
      return;
    }
    if (path === "/metrics") {
      const body = await this.metrics.render();
      response
        .writeHead(200, { "content-type": this.metrics.contentType })
        .end(body);
      return;
    }
    response.writeHead(404).end();
  }
}
