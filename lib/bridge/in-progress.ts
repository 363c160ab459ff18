import type { JsMsg } from "@nats-io/jetstream";

/**
 * Sends an in-progress ack for every message at the given interval, so the
 * server does not redeliver a job that is still running past `ack_wait`.
 * Returns the function that stops it.
 */
export function keepInProgress(
  messages: readonly JsMsg[],
  intervalMs: number,
): () => void {
  const timer = setInterval(() => {
    for (const message of messages) message.working();
  }, intervalMs);
  return () => clearInterval(timer);
}
