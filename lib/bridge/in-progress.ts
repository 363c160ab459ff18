import type { JsMsg } from "@nats-io/jetstream";

/** The stop function of the in-progress timer each message is under. */
const stoppers = new WeakMap<JsMsg, () => void>();

/**
 * Sends an in-progress ack for every message at the given interval, so the
 * server does not redeliver a job that is still running past `ack_wait`.
 * Returns the function that stops it. A send that throws (a closed
 * connection) stops the timer too, instead of crashing the process.
 */
export function keepInProgress(
  messages: readonly JsMsg[],
  intervalMs: number,
): () => void {
  const timer = setInterval(() => {
    try {
      for (const message of messages) message.working();
    } catch {
      stop();
    }
  }, intervalMs);

  const stop = () => {
    clearInterval(timer);
    for (const message of messages) {
      if (stoppers.get(message) === stop) stoppers.delete(message);
    }
  };
  for (const message of messages) stoppers.set(message, stop);
  return stop;
}

/**
 * Stops the in-progress acks of the batches these messages are in. A
 * stopping consumer calls it for the batches still running at its deadline,
 * so a hung function neither keeps their messages from redelivery nor
 * keeps the process alive with the timer.
 */
export function stopInProgress(messages: Iterable<JsMsg>): void {
  for (const message of messages) stoppers.get(message)?.();
}
