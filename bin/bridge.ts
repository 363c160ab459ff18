// Starts the bridge: provisions streams and consumers, then drains every job
// stream into its function until SIGTERM.
import { Bridge } from "../lib/bridge/bridge.ts";
import { BridgeEvents } from "../lib/bridge/events.ts";
import { HealthServer } from "../lib/bridge/health-server.ts";
import { logBridgeEvents } from "../lib/bridge/log-events.ts";
import { readStartupConfig } from "../lib/bridge/startup-config.ts";
import { ConfigError } from "../lib/errors.ts";
import { createInvoker } from "../lib/invoke/create-invoker.ts";
import { createLogger } from "../lib/log.ts";
import { onShutdownSignal } from "../lib/signals.ts";

const logger = createLogger("bridge");
let health: HealthServer | undefined;

try {
  // Every settings problem is reported at once, before anything connects.
  const { bridge: config, health: healthConfig } = await readStartupConfig(
    process.env,
  );
  const events = new BridgeEvents();
  logBridgeEvents(events, logger, { quietSuccess: config.quietSuccess });

  // Listening before the bridge starts lets a health check see "not ready"
  // while streams and consumers are provisioned.
  health = await HealthServer.start(events, healthConfig);
  logger.info(
    { host: healthConfig.host, port: health.port },
    "serving /healthz and /metrics",
  );

  const bridge = await Bridge.start({
    config,
    invoker: await createInvoker(config.invoker, process.env, config.jobTypes),
    events,
  });
  onShutdownSignal(logger, async () => {
    await bridge.stop();
    await health?.stop();
  });
} catch (error) {
  if (error instanceof ConfigError) {
    logger.fatal({ problems: error.problems }, error.message);
  } else {
    logger.fatal({ err: error }, "bridge failed to start");
  }
  await health?.stop();
  process.exitCode = 1;
}
