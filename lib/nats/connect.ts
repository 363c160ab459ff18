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
  });
}
