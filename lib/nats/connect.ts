import { readFileSync } from "node:fs";
import { credsAuthenticator, type NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import type { NatsConfig } from "../config/nats.ts";

/**
 * Connects to NATS and keeps reconnecting for as long as the process runs:
 * a bridge outlives server restarts instead of exiting on them.
 */
export async function connectNats(config: NatsConfig): Promise<NatsConnection> {
  const authenticator =
    config.credentialsFile === undefined
      ? undefined
      : credsAuthenticator(readFileSync(config.credentialsFile));

  return connect({
    servers: config.servers,
    name: config.name,
    token: config.token,
    user: config.user,
    pass: config.password,
    authenticator,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    waitOnFirstConnect: true,
    // With async traces on (the nats.js 3.4 default), every request, each
    // ackAck among them, creates two extra errors to record the caller's
    // stack. That was roughly a third of the bridge's CPU per job in
    // test/bench/bridge.bench.ts. Request errors keep their message and cause.
    noAsyncTraces: true,
  });
}
