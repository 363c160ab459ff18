import type { ChildProcess } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { spawnUntilReady, stopProcess } from "./child-process.ts";
import type { ChildRegistry } from "./child-registry.ts";
import { freePort } from "./free-port.ts";

export interface RedisServerOptions {
  /** Folder Redis runs in; it writes no snapshots there. */
  directory: string;
  /** A free loopback port is chosen when absent. */
  port?: number;
  /** Runs the server in its own process group, recorded here. */
  children?: ChildRegistry;
}

/** A redis-server child process on loopback, for local runs. */
export class RedisServer {
  readonly port: number;
  readonly #child: ChildProcess;

  private constructor(port: number, child: ChildProcess) {
    this.port = port;
    this.#child = child;
  }

  static async start(options: RedisServerOptions): Promise<RedisServer> {
    const port = options.port ?? (await freePort());
    await mkdir(options.directory, { recursive: true });
    const started = await spawnUntilReady(
      "redis-server",
      [
        "--bind",
        "127.0.0.1",
        "--port",
        String(port),
        "--dir",
        options.directory,
        "--save",
        "",
        "--appendonly",
        "no",
      ],
      /Ready to accept connections/,
      undefined,
      options.children,
    );
    return new RedisServer(port, started.child);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await stopProcess(this.#child, "SIGTERM");
  }
}
