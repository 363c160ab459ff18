// Runs the whole product on this machine: the local services it needs, then
// the bridge with the in-process invoker, or with BRIDGE_INVOKER=lambda
// through the local Lambda endpoint. Ctrl-C stops what it started.
import { resolve } from "node:path";
import { Bridge } from "../lib/bridge/bridge.ts";
import { BridgeEvents } from "../lib/bridge/events.ts";
import {
  HealthServer,
  readHealthConfig,
} from "../lib/bridge/health-server.ts";
import { logBridgeEvents } from "../lib/bridge/log-events.ts";
import { readBridgeConfig } from "../lib/config/bridge.ts";
import { ConfigError } from "../lib/errors.ts";
import { createInvoker } from "../lib/invoke/create-invoker.ts";
import { startLocalLambda } from "../lib/local/lambda-endpoint-service.ts";
import { devServices } from "../lib/local/services.ts";
import { startStack } from "../lib/local/stack.ts";
import { createLogger } from "../lib/log.ts";
import { onShutdownSignal } from "../lib/signals.ts";

const logger = createLogger("dev");
const dataDir = resolve(import.meta.dirname, "..", ".dev");

// The Lambda endpoint starts last: its functions get every service's
// variables.
const services =
  process.env.BRIDGE_INVOKER?.trim() === "lambda"
    ? [...devServices, startLocalLambda]
    : devServices;
const stack = await startStack(services, {
  env: process.env,
  dataDir,
}).catch((error: unknown) => {
  logger.fatal({ err: error }, "local stack failed to start");
  process.exit(1);
});
for (const service of stack.services) {
  logger.info(
    { name: service.name, url: service.url, reused: service.reused },
    "service ready",
  );
}

let health: HealthServer | undefined;
try {
  const config = readBridgeConfig(stack.env);
  // Locally the endpoints stay on loopback unless HEALTH_HOST says otherwise.
  const healthConfig = readHealthConfig(stack.env, "127.0.0.1");
  const events = new BridgeEvents();
  logBridgeEvents(events, createLogger("bridge"), {
    quietSuccess: config.quietSuccess,
  });
  health = await HealthServer.start(events, healthConfig);
  logger.info(
    { url: `http://${healthConfig.host}:${health.port}/healthz` },
    "serving /healthz and /metrics",
  );

  const bridge = await Bridge.start({
    config,
    invoker: await createInvoker(config.invoker, stack.env, config.jobTypes),
    events,
  });
  onShutdownSignal(logger, async () => {
    await bridge.stop();
    await health?.stop();
    await stack.stop();
  });
} catch (error) {
  if (error instanceof ConfigError) {
    logger.fatal({ problems: error.problems }, error.message);
  } else {
    logger.fatal({ err: error }, "bridge failed to start");
  }
  await health?.stop();
  await stack.stop();
  process.exit(1);
}
