// Starts the bridge: provisions streams and consumers, then drains every job
// stream into its function until SIGTERM.
import { Bridge } from "../lib/bridge/bridge.ts";
import { BridgeEvents } from "../lib/bridge/events.ts";
import { logBridgeEvents } from "../lib/bridge/log-events.ts";
import { readBridgeConfig } from "../lib/config/bridge.ts";
import { ConfigError } from "../lib/errors.ts";
import { createInvoker } from "../lib/invoke/create-invoker.ts";
import { createLogger } from "../lib/log.ts";
import { onShutdownSignal } from "../lib/signals.ts";

const logger = createLogger("bridge");

try {
  const config = readBridgeConfig();
  const events = new BridgeEvents();
  logBridgeEvents(events, logger, { quietSuccess: config.quietSuccess });

  const bridge = await Bridge.start({
    config,
    invoker: await createInvoker(config.invoker, process.env),
    events,
  });
  onShutdownSignal(logger, async () => {
    await bridge.stop();
  });
} catch (error) {
  if (error instanceof ConfigError) {
    logger.fatal({ problems: error.problems }, error.message);
  } else {
    logger.fatal({ err: error }, "bridge failed to start");
  }
  process.exitCode = 1;
}
