import { type BridgeConfig, readBridgeSettings } from "../config/bridge.ts";
import { EnvReader, type EnvSource } from "../config/env-reader.ts";
import { readFunctionSettings } from "../invoke/in-process.ts";
import { readLambdaSettings } from "../invoke/lambda-config.ts";
import { type HealthConfig, readHealthSettings } from "./health-server.ts";

/** The settings a bridge process checks before it connects to NATS. */
export interface StartupConfig {
  bridge: BridgeConfig;
  health: HealthConfig;
}

/**
 * Reads the bridge and health settings, and those of the invoker: the
 * Lambda settings, or the settings of every consumed job type's function
 * when they run in-process. Throws one ConfigError naming every problem,
 * before anything connects or provisions streams.
 */
export async function readStartupConfig(
  source: EnvSource,
  defaultHealthHost = "0.0.0.0",
): Promise<StartupConfig> {
  const env = new EnvReader(source);
  const bridge = readBridgeSettings(env);
  const health = readHealthSettings(env, defaultHealthHost);
  if (bridge.invoker === "lambda") {
    readLambdaSettings(env, bridge.jobTypes);
  } else {
    await readFunctionSettings(env, bridge.jobTypes);
  }
  env.assertValid();
  return { bridge, health };
}
