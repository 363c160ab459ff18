import { type ChildProcess, spawn } from "node:child_process";
import { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { runCli } from "../../lib/cli/program.ts";
import type { Naming } from "../../lib/jobs/naming.ts";

const cliPath = fileURLToPath(new URL("../../bin/jobs.ts", import.meta.url));

/** What one CLI run printed and how it exited. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Builds the environment that points the CLI at a test's server and names. */
export function cliEnv(
  natsUrl: string,
  naming: Naming,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NATS_URL: natsUrl,
    JOB_SUBJECT_PREFIX: naming.subjectPrefix,
    JOB_STREAM_PREFIX: naming.streamPrefix,
    DLQ_STREAM: naming.deadLetterStream,
    DLQ_SUBJECT_PREFIX: naming.deadLetterSubjectPrefix,
    ...extra,
  };
}

/** Starts `bin/jobs.ts` as a child process, the way an operator runs it. */
export function spawnJobs(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin?: Uint8Array,
): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [cliPath, ...args], {
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
  });
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  child.stdin?.end(stdin === undefined ? undefined : Buffer.from(stdin));

  const done = new Promise<CliRun>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) =>
      resolve({ code, signal, stdout, stderr }),
    );
  });
  return { child, done };
}

/** Runs the CLI to the end. */
export function runJobs(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin?: Uint8Array,
): Promise<CliRun> {
  return spawnJobs(args, env, stdin).done;
}

/** Parses the JSON document a `--json` run printed. */
export function jsonOf<Shape = Record<string, unknown>>(run: CliRun): Shape {
  try {
    return JSON.parse(run.stdout) as Shape;
  } catch {
    throw new Error(
      `CLI printed no JSON (exit ${run.code}):\nstdout: ${run.stdout}\nstderr: ${run.stderr}`,
    );
  }
}

/**
 * Runs the CLI inside the test process through the same `runCli` that
 * `bin/jobs.ts` calls; for tables of cases where a process each is slow.
 */
export async function runJobsInProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin?: Uint8Array,
  stackEnvPath?: string,
): Promise<CliRun> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(args, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    stdin: Readable.from(stdin === undefined ? [] : [Buffer.from(stdin)]),
    env,
    stackEnvPath,
  });
  return { code, signal: null, stdout: stdout.text, stderr: stderr.text };
}

/** A writable stream that keeps what was written, as text. */
export class Capture extends Writable {
  text = "";

  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    done: () => void,
  ): void {
    this.text += chunk.toString();
    done();
  }
}
