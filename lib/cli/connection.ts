import { readFileSync } from "node:fs";
import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { credsAuthenticator, type NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { type BridgeConfig, readBridgeConfig } from "../config/bridge.ts";
import type { EnvSource } from "../config/env-reader.ts";
import { ConfigError, toError } from "../errors.ts";
import { explainConnectFailure } from "./dev-stack-hint.ts";
import { CliError, exitCodes } from "./exit-codes.ts";
import { orMissing } from "./status.ts";

/** An open connection plus the configuration a command needs. */
export interface CliContext {
  config: BridgeConfig;
  connection: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  close(): Promise<void>;
}

/** How long the CLI waits for NATS before it gives up [5 s]. */
const connectTimeoutMs = 5_000;

/**
 * Reads the same settings as the bridge and connects once, without the
 * bridge's endless reconnecting: a command run by hand or by a script must
 * fail fast when NATS is away.
 */
export async function openContext(
  source: EnvSource = process.env,
): Promise<CliContext> {
  const config = readConfig(source);
  const { nats } = config;

  let connection: NatsConnection;
  try {
    connection = await connect({
      servers: nats.servers,
      name: "axumkit-jobs-cli",
      token: nats.token,
      user: nats.user,
      pass: nats.password,
      authenticator:
        nats.credentialsFile === undefined
          ? undefined
          : credsAuthenticator(readFileSync(nats.credentialsFile)),
      timeout: connectTimeoutMs,
      maxReconnectAttempts: 0,
    });
  } catch (error) {
    throw new CliError(
      exitCodes.unavailable,
      explainConnectFailure(source, nats.servers, toError(error).message),
      { cause: error },
    );
  }

  const jsm = await jetstreamManager(connection, {
    timeout: connectTimeoutMs,
  }).catch(async (error: unknown) => {
    await connection.close();
    throw new CliError(
      exitCodes.unavailable,
      `JetStream is not available: ${toError(error).message}`,
      { cause: error },
    );
  });

  return {
    config,
    connection,
    js: jetstream(connection, { timeout: connectTimeoutMs }),
    jsm,
    close: () => connection.close(),
  };
}

/** Fails with exit code 3 when the stream does not exist. */
export async function requireStream(
  context: CliContext,
  stream: string,
): Promise<void> {
  const info = await orMissing(() => context.jsm.streams.info(stream));
  if (info === undefined) {
    throw new CliError(
      exitCodes.unavailable,
      `stream "${stream}" does not exist; the bridge creates it when it starts`,
    );
  }
}

function readConfig(source: EnvSource): BridgeConfig {
  try {
    return readBridgeConfig(source);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CliError(exitCodes.unavailable, error.message, {
        cause: error,
      });
    }
    throw error;
  }
}
