import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { credsAuthenticator, type NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import type { NatsConfig } from "../config/nats.ts";
import { toError } from "../errors.ts";

/** One failed round of first connect attempts over every server. */
export interface ConnectFailure {
  /** 1 for the first round. */
  attempt: number;
  servers: string[];
  error: Error;
  /** Delay before the next round. */
  retryInMs: number;
}

export interface ConnectOptions {
  /** Called after each failed round, before the delay. */
  onConnectFailed?: (failure: ConnectFailure) => void;
}

const firstRetryMs = 1_000;
const maxRetryMs = 10_000;

/**
 * Connects to NATS and keeps reconnecting for as long as the process runs:
 * a bridge outlives server restarts instead of exiting on them.
 *
 * The first connect is retried without end too, because the bridge is a
 * long-running service and NATS may come up after it (compose, a cluster
 * rollout). A bounded wait would only move the retry to the orchestrator.
 * Each failed round calls `onConnectFailed`, so an unreachable server is
 * visible in the logs, and the delay doubles from 1 s to at most 10 s.
 */
export async function connectNats(
  config: NatsConfig,
  options: ConnectOptions = {},
): Promise<NatsConnection> {
  const authenticator =
    config.credentialsFile === undefined
      ? undefined
      : credsAuthenticator(readFileSync(config.credentialsFile));

  for (let attempt = 1; ; attempt++) {
    try {
      return await connect({
        servers: config.servers,
        name: config.name,
        token: config.token,
        user: config.user,
        pass: config.password,
        authenticator,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1_000,
        // Fails after one try of each server, so each round can be reported.
        waitOnFirstConnect: false,
        // With async traces on (the nats.js 3.4 default), every request, each
        // ackAck among them, creates two extra errors to record the caller's
        // stack. That was roughly a third of the bridge's CPU per job in
        // test/bench/bridge.bench.ts. Request errors keep their message and
        // cause.
        noAsyncTraces: true,
      });
    } catch (thrown) {
      const error = toError(thrown);
      if (!isRetryable(error)) throw error;
      const retryInMs = Math.min(maxRetryMs, firstRetryMs * 2 ** (attempt - 1));
      options.onConnectFailed?.({
        attempt,
        servers: config.servers,
        error,
        retryInMs,
      });
      await sleep(retryInMs);
    }
  }
}

/**
 * Checks whether another round may succeed. Bad credentials and invalid options
 * fail the same way every time, so they end the start at once.
 */
function isRetryable(error: Error): boolean {
  return error.name === "ConnectionError" || error.name === "TimeoutError";
}
