import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { JobTypeName } from "../../../lib/jobs/catalogue.ts";
import type { Naming } from "../../../lib/jobs/naming.ts";
import { eventually } from "../../support/events.ts";

const childPath = fileURLToPath(new URL("./bridge-child.ts", import.meta.url));

/** The test function's line when a job starts or finishes. */
export interface FunctionRecord {
  event: "started" | "finished";
  /** `<stream>:<stream sequence>` of the delivery. */
  id: string;
  deliveryCount: number;
  /** The decoded job the function received. */
  job: unknown;
}

/** One line of a child bridge's record file. */
export type ChildRecord =
  | { event: "ready" }
  | FunctionRecord
  | { event: "succeeded"; sequence: number; deliveryCount: number }
  | { event: "stopping"; inFlight: number }
  | { event: "stopped"; unfinished: number }
  | {
      event:
        | "provisioned"
        | "consumer.status"
        | "pull.failed"
        | "connection.status";
      detail: string;
    };

export interface BridgeProcessOptions {
  servers: string[];
  naming: Naming;
  jobTypes: JobTypeName[];
  /** A folder the test owns; the record file is written there. */
  folder: string;
  /** Names this process's record file inside the folder. */
  label: string;
  /** More variables: the bridge's own or the child's TEST_* ones. */
  env?: Record<string, string>;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A bridge running in a child process (bridge-child.ts), with its record
 * file and output.
 */
export interface BridgeProcess {
  child: ChildProcess;
  label: string;
  /** Resolves when the process has exited. */
  exited: Promise<ExitStatus>;
  /** Whether the process is still running. */
  readonly running: boolean;
  /** Standard output and error so far, for failure messages. */
  output(): string;
  /** The record file's lines so far, in the order they were written. */
  records(): Promise<ChildRecord[]>;
  /** Kills the process with SIGKILL when it still runs and waits for exit. */
  dispose(): Promise<void>;
}

/**
 * Spawns a bridge process and resolves once it has provisioned and started
 * pulling. Rejects with its output when it exits first.
 */
export async function startBridgeProcess(
  options: BridgeProcessOptions,
): Promise<BridgeProcess> {
  const recordFile = join(options.folder, `${options.label}.jsonl`);
  const { naming } = options;
  const child = spawn(process.execPath, [childPath], {
    env: {
      PATH: process.env.PATH,
      NATS_URL: options.servers.join(","),
      JOB_SUBJECT_PREFIX: naming.subjectPrefix,
      JOB_STREAM_PREFIX: naming.streamPrefix,
      DLQ_STREAM: naming.deadLetterStream,
      DLQ_SUBJECT_PREFIX: naming.deadLetterSubjectPrefix,
      BRIDGE_JOB_TYPES: options.jobTypes.join(","),
      BRIDGE_INVOKER: "in-process",
      RETRY_BASE_DELAY_MS: "50",
      LOG_LEVEL: "warn",
      LOG_QUIET_SUCCESS: "true",
      TEST_RECORD_FILE: recordFile,
      ...options.env,
    },
    // The child exits when its standard input closes, so it cannot outlive
    // a test process that dies before its cleanup runs.
    stdio: ["pipe", "pipe", "pipe"],
  });

  let output = "";
  const collect = (text: string) => {
    output += text;
  };
  child.stdout?.setEncoding("utf8").on("data", collect);
  child.stderr?.setEncoding("utf8").on("data", collect);
  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) =>
    child.once("exit", (code, signal) => {
      status = { code, signal };
      resolve(status);
    }),
  );

  const records = async (): Promise<ChildRecord[]> => {
    const text = await readFile(recordFile, "utf8").catch(() => "");
    return text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as ChildRecord);
  };

  const started: BridgeProcess = {
    child,
    label: options.label,
    exited,
    get running() {
      return status === undefined;
    },
    output: () => output,
    records,
    async dispose() {
      if (status === undefined) child.kill("SIGKILL");
      await exited;
    },
  };

  try {
    await eventually(async () => {
      if (status !== undefined) {
        throw new Error(
          `bridge ${options.label} exited before it was ready (code ${status.code}, signal ${status.signal}):\n${output}`,
        );
      }
      return (await records()).some((line) => line.event === "ready");
    }, 30_000);
  } catch (error) {
    await started.dispose();
    throw error;
  }
  return started;
}

/** Selects the function's lines of one kind, in file order. */
export function functionRecords(
  records: readonly ChildRecord[],
  event: "started" | "finished",
): FunctionRecord[] {
  return records.filter((line): line is FunctionRecord => line.event === event);
}

/** Counts how often each key occurs. */
export function countBy<Item>(
  items: readonly Item[],
  keyOf: (item: Item) => string,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const key = keyOf(item);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/**
 * Waits for the process to exit. The bound only keeps a hung process from
 * stalling the run: past it the process is killed and the wait rejects.
 */
export async function exitOf(
  bridge: BridgeProcess,
  boundMs = 60_000,
): Promise<ExitStatus> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      bridge.child.kill("SIGKILL");
      reject(
        new Error(
          `bridge ${bridge.label} did not exit within ${boundMs} ms:\n${bridge.output()}`,
        ),
      );
    }, boundMs);
  });
  try {
    return await Promise.race([bridge.exited, bound]);
  } finally {
    clearTimeout(timer);
  }
}
