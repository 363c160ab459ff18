import {
  isJobTypeName,
  type JobTypeName,
  jobTypeNames,
} from "../jobs/catalogue.ts";
import type { Naming } from "../jobs/naming.ts";
import { logLevels } from "../log.ts";
import { EnvReader, type EnvSource } from "./env-reader.ts";
import { readNaming } from "./naming.ts";
import { type NatsConfig, readNatsConfig } from "./nats.ts";

/** Everything the bridge reads at start. Defaults in brackets. */
export interface BridgeConfig {
  nats: NatsConfig;
  naming: Naming;
  /** Job types this replica consumes [all]. */
  jobTypes: JobTypeName[];
  /** Consumer `ack_wait` [30 s]. */
  ackWaitMs: number;
  /** Consumer `max_deliver`: the first try and the retries [6]. */
  maxDeliver: number;
  /** First retry delay; each later retry doubles it [1 s]. */
  retryBaseDelayMs: number;
  /** How long SIGTERM waits for running jobs [20 s]. */
  shutdownTimeoutMs: number;
  /** Dead letters older than this are dropped by the server [14 days]. */
  deadLetterMaxAgeMs: number;
  /** Stream and consumer replicas; 3 on a JetStream cluster [1]. */
  replicas: number;
  /** Which invoker runs the functions [in-process]. */
  invoker: "in-process" | "lambda";
  /** Silences the info line per succeeded job [false]. */
  quietSuccess: boolean;
}

const second = 1_000;
const hour = 3_600 * second;

/** Reads the bridge settings and throws a ConfigError naming every problem. */
export function readBridgeConfig(
  source: EnvSource = process.env,
): BridgeConfig {
  const env = new EnvReader(source);
  const config = readBridgeSettings(env);
  env.assertValid();
  return config;
}

/**
 * Reads the bridge settings, recording problems in `env` and using the
 * default in place of each invalid value.
 */
export function readBridgeSettings(env: EnvReader): BridgeConfig {
  const requestedJobTypes = env.list("BRIDGE_JOB_TYPES", jobTypeNames);
  if (requestedJobTypes.length === 0) {
    env.reject(
      `BRIDGE_JOB_TYPES names no job type; list some of ${jobTypeNames.join(", ")}, or unset it to consume all`,
    );
  }
  for (const name of requestedJobTypes) {
    if (!isJobTypeName(name)) {
      env.reject(
        `BRIDGE_JOB_TYPES names unknown job type "${name}"; known: ${jobTypeNames.join(", ")}`,
      );
    }
  }

  const config: BridgeConfig = {
    nats: readNatsConfig(env, "axumkit-bridge"),
    naming: readNaming(env),
    jobTypes: requestedJobTypes.filter(isJobTypeName),
    ackWaitMs: env.integer("ACK_WAIT_MS", 30 * second, { min: 1_000 }),
    maxDeliver: env.integer("MAX_DELIVER", 6, { min: 1, max: 100 }),
    retryBaseDelayMs: env.integer("RETRY_BASE_DELAY_MS", second, { min: 1 }),
    shutdownTimeoutMs: env.integer("SHUTDOWN_TIMEOUT_MS", 20 * second, {
      min: 0,
    }),
    deadLetterMaxAgeMs:
      env.integer("DLQ_MAX_AGE_HOURS", 14 * 24, { min: 1 }) * hour,
    replicas: env.integer("NATS_REPLICAS", 1, { min: 1, max: 5 }),
    invoker: env.choice(
      "BRIDGE_INVOKER",
      ["in-process", "lambda"],
      "in-process",
    ),
    quietSuccess: env.boolean("LOG_QUIET_SUCCESS", false),
  };
  // The logger runs at `info` for an unknown level, and this check names it.
  env.choice("LOG_LEVEL", logLevels, "info");
  return config;
}
