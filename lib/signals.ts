import type { Logger } from "./log.ts";

/**
 * Runs `shutdown` on the first SIGINT or SIGTERM and exits when it is done;
 * a second signal exits at once with code 130.
 */
export function onShutdownSignal(
  logger: Logger,
  shutdown: () => Promise<void>,
): void {
  let shuttingDown = false;
  const handle = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn({ signal }, "second signal, exiting now");
      process.exit(130);
    }
    shuttingDown = true;
    logger.info({ signal }, "shutting down");
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", handle);
  process.on("SIGTERM", handle);
}
