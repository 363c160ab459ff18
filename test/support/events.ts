import type { EventEmitter } from "node:events";

/**
 * Resolves with the first event of that name whose payload matches, or
 * rejects after the timeout naming what it waited for.
 */
export function waitForEvent<Payload>(
  emitter: EventEmitter,
  name: string,
  matches: (payload: Payload) => boolean = () => true,
  timeoutMs = 20_000,
): Promise<Payload> {
  return new Promise((resolve, reject) => {
    const listener = (payload: Payload) => {
      if (!matches(payload)) return;
      clearTimeout(timer);
      emitter.off(name, listener);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      emitter.off(name, listener);
      reject(
        new Error(
          `timed out after ${timeoutMs} ms waiting for event "${name}"`,
        ),
      );
    }, timeoutMs);
    emitter.on(name, listener);
  });
}

/** Resolves once `count` events of that name have arrived; returns them. */
export function collectEvents<Payload>(
  emitter: EventEmitter,
  name: string,
  count: number,
  timeoutMs = 30_000,
): Promise<Payload[]> {
  const seen: Payload[] = [];
  return new Promise((resolve, reject) => {
    const listener = (payload: Payload) => {
      seen.push(payload);
      if (seen.length < count) return;
      clearTimeout(timer);
      emitter.off(name, listener);
      resolve(seen);
    };
    const timer = setTimeout(() => {
      emitter.off(name, listener);
      reject(
        new Error(
          `timed out after ${timeoutMs} ms: ${seen.length} of ${count} "${name}" events`,
        ),
      );
    }, timeoutMs);
    emitter.on(name, listener);
  });
}

/** Polls an async condition until it holds; for state no event reports. */
export async function eventually(
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`condition did not hold within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
