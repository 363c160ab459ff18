import { execFile } from "node:child_process";
import { access, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.ts";

const run = promisify(execFile);

/** A Postgres cluster of our own, under a data folder, run by `pg_ctl`. */
export class LocalPostgres {
  readonly port: number;
  readonly #dataDir: string;

  private constructor(port: number, dataDir: string) {
    this.port = port;
    this.#dataDir = dataDir;
  }

  /**
   * Creates the cluster on first use (`initdb`, trust auth for loopback,
   * superuser `postgres`) and starts it on a free loopback port. Postgres
   * does not run as root, so neither does this.
   */
  static async start(directory: string): Promise<LocalPostgres> {
    if (process.getuid?.() === 0) {
      throw new Error(
        "Postgres does not run as root: set DATABASE_URL to a running server",
      );
    }
    const dataDir = join(directory, "data");
    if (!(await exists(join(dataDir, "PG_VERSION")))) {
      await mkdir(directory, { recursive: true });
      await run("initdb", [
        "--pgdata",
        dataDir,
        "--username",
        "postgres",
        "--auth",
        "trust",
        "--encoding",
        "UTF8",
      ]);
    }

    const port = await freePort();
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${directory}`;
    await run("pg_ctl", [
      "start",
      "--pgdata",
      dataDir,
      "--wait",
      "--log",
      join(directory, "postgres.log"),
      "-o",
      options,
    ]);
    return new LocalPostgres(port, dataDir);
  }

  /** Connection string of the `postgres` maintenance database. */
  get serverUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async stop(): Promise<void> {
    await run("pg_ctl", [
      "stop",
      "--pgdata",
      this.#dataDir,
      "--wait",
      "--mode",
      "fast",
    ]);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
