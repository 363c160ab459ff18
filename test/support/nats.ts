import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import type { BridgeConfig } from "../../lib/config/bridge.ts";
import type { JobTypeName } from "../../lib/jobs/catalogue.ts";
import type { Naming } from "../../lib/jobs/naming.ts";
import { NatsServer } from "../../lib/local/nats-server.ts";

/** The nats-server the machine runs; tests that never restart it share it. */
export const sharedNatsUrl =
  process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";

/**
 * Subject and stream names no other test uses, so tests can share one
 * server and run in parallel.
 */
export function uniqueNaming(): Naming {
  const id = randomBytes(4).toString("hex");
  return {
    subjectPrefix: `test${id}.jobs`,
    streamPrefix: `test${id}`,
    deadLetterStream: `test${id}_dlq`,
    deadLetterSubjectPrefix: `test${id}.dlq`,
  };
}

/** A bridge configuration for tests: short timeouts, the given job types. */
export function testBridgeConfig(
  servers: string[],
  jobTypes: JobTypeName[],
  overrides: Partial<BridgeConfig> = {},
): Omit<BridgeConfig, "invoker" | "quietSuccess"> {
  return {
    nats: { servers, name: "test-bridge" },
    naming: uniqueNaming(),
    jobTypes,
    ackWaitMs: 30_000,
    maxDeliver: 6,
    retryBaseDelayMs: 100,
    shutdownTimeoutMs: 5_000,
    deadLetterMaxAgeMs: 3_600_000,
    replicas: 1,
    ...overrides,
  };
}

export function connectTo(servers: string | string[]): Promise<NatsConnection> {
  return connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
}

/**
 * A nats-server owned by one test, on a random port with its own store, for
 * tests that stop, kill or restart it. `dispose` stops it and removes the
 * store.
 */
export async function startOwnNatsServer(): Promise<
  NatsServer & { dispose(): Promise<void> }
> {
  const storeDir = await mkdtemp(join(tmpdir(), "axumkit-nats-"));
  const server = await NatsServer.start({ storeDir });
  return Object.assign(server, {
    async dispose() {
      await server.stop();
      await rm(storeDir, { recursive: true, force: true });
    },
  });
}
