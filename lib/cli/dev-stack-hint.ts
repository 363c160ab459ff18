import type { EnvSource } from "../config/env-reader.ts";
import {
  devStackEnvPath,
  devStackPidVariable,
  readStackEnvFile,
} from "../local/stack-env-file.ts";

/**
 * Explains a failed connect: which stack the NATS URL came from (the
 * running `npm run dev`, `NATS_URL` or the default) and what to do next.
 */
export function explainConnectFailure(
  source: EnvSource,
  servers: string[],
  reason: string,
): string {
  const address = servers.join(", ");
  const stack = readStackEnvFile();
  if (!source.NATS_URL?.trim()) {
    return (
      `cannot connect to NATS at ${address} (the default, because NATS_URL ` +
      `is unset): ${reason}. ${adviseDevStack(stack !== undefined)}`
    );
  }
  if (stack !== undefined && stack.NATS_URL === source.NATS_URL) {
    const pid = stack[devStackPidVariable];
    return (
      `cannot connect to the dev stack's NATS at ${address} (from ` +
      `${devStackEnvPath}, written by npm run dev with pid ${pid}): ` +
      `${reason}. Is npm run dev still running? Start it again, or set NATS_URL.`
    );
  }
  return (
    `cannot connect to NATS at ${address} (NATS_URL): ${reason}. ` +
    "Check NATS_URL and the credentials."
  );
}

/**
 * Advice for missing service variables: a CLI run without the dev stack's
 * file either has no dev stack or was not started through npm.
 */
export function adviseDevStack(
  stackRunning: boolean = readStackEnvFile() !== undefined,
): string {
  return stackRunning
    ? `npm run dev wrote ${devStackEnvPath}: run the CLI as ` +
        "`npm run jobs -- ...`, which loads it, or set the variables."
    : "No dev stack is running: start `npm run dev` in another terminal " +
        "and use `npm run jobs -- ...`, or set the variables.";
}

/**
 * Returns a one-line hint when the CLI falls back to the default NATS URL
 * because `NATS_URL` is unset and no dev stack file exists: the server found
 * there may belong to another project. Returns undefined otherwise.
 */
export function hintDefaultServer(
  source: EnvSource,
  servers: string[],
  stackEnvPath: string = devStackEnvPath,
): string | undefined {
  if (source.NATS_URL?.trim()) return undefined;
  if (readStackEnvFile(stackEnvPath) !== undefined) return undefined;
  return (
    "NATS_URL is not set and no dev stack is running " +
    `(no ${stackEnvPath}); using ${servers.join(", ")}`
  );
}
