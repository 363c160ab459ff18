// Records the server processes a dev run starts in their own process group.
// Ctrl-C in a terminal then reaches only dev, which stops the bridge before
// the servers, but a dev run killed with SIGKILL leaves them running. The
// next run reads the record and stops them.
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import {
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../log.ts";

/** One recorded server process. */
interface ChildRecord {
  pid: number;
  /** `/proc/<pid>/cmdline` once the server was ready. */
  cmdline: string;
}

/**
 * The children of one dev run, kept in `<folder>/<dev pid>.json` while they
 * run. Only this run's file is written, so two dev runs in one checkout do
 * not overwrite each other's records.
 */
export class ChildRegistry {
  readonly #path: string;
  readonly #children = new Map<number, ChildRecord>();
  #writes: Promise<void> = Promise.resolve();

  constructor(folder: string) {
    this.#path = join(folder, `${process.pid}.json`);
  }

  /**
   * Records a started child and removes the record when it exits.
   * NOTE: without /proc (macOS) nothing is recorded, so a later run cannot
   * stop the servers of a run killed with SIGKILL.
   */
  add(child: ChildProcess): Promise<void> {
    const pid = child.pid;
    const cmdline = pid === undefined ? undefined : readCmdline(pid);
    if (pid === undefined || cmdline === undefined) return this.#writes;
    this.#children.set(pid, { pid, cmdline });
    child.once("exit", () => {
      this.#children.delete(pid);
      void this.#save();
    });
    return this.#save();
  }

  /**
   * Sends SIGKILL to every recorded child still running, for a dev run that
   * exits without stopping its stack (a second Ctrl-C).
   */
  killAllSync(): void {
    for (const { pid, cmdline } of this.#children.values()) {
      if (readCmdline(pid) === cmdline) signal(pid, "SIGKILL");
    }
  }

  #save(): Promise<void> {
    const records = [...this.#children.values()];
    this.#writes = this.#writes.then(() => writeRecords(this.#path, records));
    return this.#writes;
  }
}

async function writeRecords(
  path: string,
  records: ChildRecord[],
): Promise<void> {
  if (records.length === 0) {
    await rm(path, { force: true });
    return;
  }
  await mkdir(join(path, ".."), { recursive: true });
  const temporary = `${path}.tmp`;
  await writeFile(temporary, `${JSON.stringify(records)}\n`);
  await rename(temporary, path);
}

/**
 * Stops the recorded children of dev runs that no longer run, then removes
 * their records. A pid is signalled only while its command line is still the
 * recorded one, so a pid the system gave to another process is left alone.
 * Returns the pids it stopped.
 */
export async function stopLeftoverChildren(
  folder: string,
  logger: Logger,
): Promise<number[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const stopped: number[] = [];
  for (const name of names) {
    const match = /^(\d+)\.json$/.exec(name);
    if (match === null) continue;
    const devPid = Number(match[1]);
    if (devPid === process.pid || isRunning(devPid)) continue;

    const path = join(folder, name);
    for (const record of await readRecords(path, logger)) {
      if (readCmdline(record.pid) !== record.cmdline) continue;
      await stopChild(record.pid);
      logger.info(
        { pid: record.pid, devPid, command: record.cmdline.split("\0")[0] },
        "stopped server left by a killed dev run",
      );
      stopped.push(record.pid);
    }
    await rm(path, { force: true });
  }
  return stopped;
}

async function readRecords(
  path: string,
  logger: Logger,
): Promise<ChildRecord[]> {
  try {
    const records: unknown = JSON.parse(await readFile(path, "utf8"));
    if (!Array.isArray(records)) throw new Error("not a JSON array");
    return records.filter(
      (record): record is ChildRecord =>
        Number.isSafeInteger(record?.pid) &&
        record.pid > 0 &&
        typeof record.cmdline === "string" &&
        record.cmdline !== "",
    );
  } catch (error) {
    logger.warn({ err: error, path }, "invalid child process record ignored");
    return [];
  }
}

/** SIGTERM, then SIGKILL when the process still runs after 5 s. */
async function stopChild(pid: number): Promise<void> {
  const cmdline = readCmdline(pid);
  signal(pid, "SIGTERM");
  for (let waited = 0; waited < 5_000; waited += 50) {
    if (readCmdline(pid) !== cmdline) return;
    await sleep(50);
  }
  signal(pid, "SIGKILL");
}

/**
 * Returns the process's NUL-separated command line, or undefined when the
 * process is gone, a zombie, or /proc is missing (not Linux).
 */
function readCmdline(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return text === "" ? undefined : text;
  } catch {
    return undefined;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // The process exited in the meantime.
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
