// Runs the whole product on this machine: the local services it needs, then
// the bridge with the in-process invoker, or with BRIDGE_INVOKER=lambda
// through the local Lambda endpoint. Ctrl-C stops what it started.
import { join, resolve } from "node:path";
import { Bridge } from "../lib/bridge/bridge.ts";
import { BridgeEvents } from "../lib/bridge/events.ts";
import {
  type HealthConfig,
  HealthPortInUseError,
  HealthServer,
} from "../lib/bridge/health-server.ts";
import { logBridgeEvents } from "../lib/bridge/log-events.ts";
import { readStartupConfig } from "../lib/bridge/startup-config.ts";
import { ConfigError } from "../lib/errors.ts";
import { createInvoker } from "../lib/invoke/create-invoker.ts";
import {
  ChildRegistry,
  stopLeftoverChildren,
} from "../lib/local/child-registry.ts";
import { startLocalLambda } from "../lib/local/lambda-endpoint-service.ts";
import { devServices } from "../lib/local/services.ts";
import { startStack } from "../lib/local/stack.ts";
import {
  devStackEnvPath,
  removeStackEnvFile,
  removeStaleStackEnvFile,
  writeStackEnvFile,
} from "../lib/local/stack-env-file.ts";
import { createLogger } from "../lib/log.ts";
import { onShutdownSignal } from "../lib/signals.ts";

const logger = createLogger("dev");
const dataDir = resolve(import.meta.dirname, "..", ".dev");

if (await removeStaleStackEnvFile(devStackEnvPath)) {
  logger.info({ path: devStackEnvPath }, "removed env file of a stopped run");
}

// Servers run in their own process group, so Ctrl-C reaches only this
// process, which stops the bridge first and then them. A run killed with
// SIGKILL leaves them running: the next run stops them here.
const childrenDir = join(dataDir, "children");
await stopLeftoverChildren(childrenDir, logger);
const children = new ChildRegistry(childrenDir);
// A second Ctrl-C, or one during start-up, exits without stopping the
// stack, so the recorded servers are killed on the way out.
process.on("exit", () => children.killAllSync());
const exitDuringStartUp = (signal: NodeJS.Signals) => {
  logger.warn({ signal }, "signal during start-up, exiting");
  process.exit(130);
};
process.on("SIGINT", exitDuringStartUp);
process.on("SIGTERM", exitDuringStartUp);

// The Lambda endpoint starts last: its functions get every service's
// variables.
const services =
  process.env.BRIDGE_INVOKER?.trim() === "lambda"
    ? [...devServices, startLocalLambda]
    : devServices;
const stack = await startStack(services, {
  env: process.env,
  dataDir,
  children,
}).catch((error: unknown) => {
  logger.fatal({ err: error }, "local stack failed to start");
  process.exit(1);
});
for (const service of stack.services) {
  logger.info(
    {
      name: service.name,
      url: service.url,
      reused: service.reused,
      ...service.details,
    },
    "service ready",
  );
}

let health: HealthServer | undefined;
let envFileText: string | undefined;
try {
  // Locally the endpoints stay on loopback unless HEALTH_HOST says otherwise.
  const { bridge: config, health: healthConfig } = await readStartupConfig(
    stack.env,
    "127.0.0.1",
  );
  const events = new BridgeEvents();
  logBridgeEvents(events, createLogger("bridge"), {
    quietSuccess: config.quietSuccess,
  });
  health = await startHealthServer(events, healthConfig);
  logger.info(
    { url: `http://${healthConfig.host}:${health.port}/healthz` },
    "serving /healthz and /metrics",
  );

  const bridge = await Bridge.start({
    config,
    invoker: await createInvoker(config.invoker, stack.env, config.jobTypes),
    events,
  });

  process.off("SIGINT", exitDuringStartUp);
  process.off("SIGTERM", exitDuringStartUp);
  onShutdownSignal(logger, async () => {
    if (envFileText !== undefined) {
      await removeStackEnvFile(devStackEnvPath, envFileText);
    }
    await bridge.stop();
    await health?.stop();
    await stack.stop();
  });

  // Written last, so a CLI that finds the file finds streams and consumers.
  envFileText = await writeStackEnvFile(devStackEnvPath, stack.variables);
  logger.info(
    { path: devStackEnvPath },
    "stack variables written for npm run jobs and npm run seed",
  );
} catch (error) {
  if (error instanceof ConfigError) {
    logger.fatal({ problems: error.problems }, error.message);
  } else {
    logger.fatal({ err: error }, "bridge failed to start");
  }
  if (envFileText !== undefined) {
    await removeStackEnvFile(devStackEnvPath, envFileText);
  }
  await health?.stop();
  await stack.stop();
  process.exit(1);
}

/**
 * Starts the health server. When HEALTH_PORT is unset and its default port
 * is taken (another bridge, another dev run), a free port is used instead,
 * so a second local run still starts.
 */
async function startHealthServer(
  events: BridgeEvents,
  config: HealthConfig,
): Promise<HealthServer> {
  try {
    return await HealthServer.start(events, config);
  } catch (error) {
    if (!(error instanceof HealthPortInUseError)) throw error;
    if (stack.env.HEALTH_PORT?.trim()) throw error;
    logger.warn(
      { port: config.port },
      "default health port in use; using a free port (set HEALTH_PORT to choose one)",
    );
    return HealthServer.start(events, { ...config, port: 0 });
  }
}
