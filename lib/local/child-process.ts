import { type ChildProcess, spawn } from "node:child_process";
import type { ChildRegistry } from "./child-registry.ts";

export interface StartedProcess {
  child: ChildProcess;
  /** Output so far, for error messages when the process fails to start. */
  output(): string;
}

/**
 * Spawns a server process and resolves once a line of its output matches
 * `ready`. Rejects with the output when the process exits first or the
 * timeout passes. With `children`, the process runs in its own process group
 * (a terminal's Ctrl-C does not reach it) and is recorded there once ready.
 */
export function spawnUntilReady(
  command: string,
  args: readonly string[],
  ready: RegExp,
  timeoutMs = 15_000,
  children?: ChildRegistry,
): Promise<StartedProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      detached: children !== undefined,
    });
    let output = "";
    let settled = false;

    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error === undefined) {
        const recorded = children?.add(child) ?? Promise.resolve();
        recorded.then(
          () => resolve({ child, output: () => output }),
          (recordError: unknown) => {
            child.kill("SIGKILL");
            reject(recordError);
          },
        );
      } else {
        child.kill("SIGKILL");
        reject(error);
      }
    };

    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) finish();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("error", (error) =>
      finish(new Error(`${command} failed to start: ${error.message}`)),
    );
    child.once("exit", (code, signal) =>
      finish(
        new Error(
          `${command} exited before it was ready (code ${code}, signal ${signal}):\n${output}`,
        ),
      ),
    );
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `${command} was not ready after ${timeoutMs} ms:\n${output}`,
          ),
        ),
      timeoutMs,
    );
  });
}

/** Sends a signal and waits for the process to exit. */
export function stopProcess(
  child: ChildProcess,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}
