// Runs the whole product on this machine: the local services it needs, then
// the bridge with the in-process invoker. Ctrl-C stops what it started.
import { resolve } from "node:path";
import { Bridge } from "../lib/bridge/bridge.ts";
import { BridgeEvents } from "../lib/bridge/events.ts";
import { logBridgeEvents } from "../lib/bridge/log-events.ts";
import { readBridgeConfig } from "../lib/config/bridge.ts";
import { ConfigError } from "../lib/errors.ts";
import {
  importFunctionModule,
  InProcessInvoker,
} from "../lib/invoke/in-process.ts";
import { devServices } from "../lib/local/services.ts";
import { startStack } from "../lib/local/stack.ts";
import { createLogger } from "../lib/log.ts";
import { onShutdownSignal } from "../lib/signals.ts";

const logger = createLogger("dev");
const dataDir = resolve(import.meta.dirname, "..", ".dev");

const stack = await startStack(devServices, {
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

try {
  const config = readBridgeConfig(stack.env);
  const events = new BridgeEvents();
  logBridgeEvents(events, createLogger("bridge"), {
    quietSuccess: config.quietSuccess,
  });

  const bridge = await Bridge.start({
    config,
    invoker: new InProcessInvoker(importFunctionModule(stack.env)),
    events,
  });
  onShutdownSignal(logger, async () => {
    await bridge.stop();
    await stack.stop();
  });
} catch (error) {
  if (error instanceof ConfigError) {
    logger.fatal({ problems: error.problems }, error.message);
  } else {
    logger.fatal({ err: error }, "bridge failed to start");
  }
  await stack.stop();
  process.exit(1);
}
