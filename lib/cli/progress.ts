import { Presets, SingleBar } from "cli-progress";
import type { Output } from "./output.ts";

/** A progress display that does nothing where no person is watching. */
export interface Progress {
  update(done: number, payload?: Record<string, unknown>): void;
  stop(): void;
}

/** Below this many items a bar would only flash by. */
const minimumItemsForBar = 20;

/**
 * Draws a progress bar on standard error when it is a TTY and the output
 * is not JSON; otherwise returns a display that draws nothing.
 */
export function startProgress(
  output: Output,
  total: number,
  format = "{bar} {value}/{total} {percentage}% | {eta_formatted} left",
): Progress {
  if (output.json || !output.stderr.isTTY || total < minimumItemsForBar) {
    return { update() {}, stop() {} };
  }

  const bar = new SingleBar(
    { format, stream: output.stderr, hideCursor: true, etaBuffer: 50 },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (done, payload) => bar.update(done, payload),
    stop: () => bar.stop(),
  };
}
