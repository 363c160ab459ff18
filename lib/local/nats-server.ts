import type { ChildProcess } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { spawnUntilReady, stopProcess } from "./child-process.ts";
import type { ChildRegistry } from "./child-registry.ts";
import { freePort } from "./free-port.ts";

export interface NatsServerOptions {
  /** Folder for JetStream data; kept across restarts. */
  storeDir: string;
  /** A free loopback port is chosen when absent. */
  port?: number;
  /** Extra command-line arguments (cluster routes, for example). */
  extraArgs?: string[];
  /** Runs the server in its own process group, recorded here. */
  children?: ChildRegistry;
}

/**
 * A nats-server with JetStream, run as a child process on loopback. It can be
 * stopped, killed and restarted on the same port with the same store.
 */
export class NatsServer {
  readonly port: number;
  readonly storeDir: string;
  readonly #extraArgs: string[];
  readonly #children: ChildRegistry | undefined;
  #child: ChildProcess | undefined;

  private constructor(port: number, options: NatsServerOptions) {
    this.port = port;
    this.storeDir = options.storeDir;
    this.#extraArgs = options.extraArgs ?? [];
    this.#children = options.children;
  }

  static async start(options: NatsServerOptions): Promise<NatsServer> {
    const server = new NatsServer(options.port ?? (await freePort()), options);
    await server.restart();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Starts the server again after `stop` or `kill`. */
  async restart(): Promise<void> {
    if (this.#child !== undefined) return;
    await mkdir(this.storeDir, { recursive: true });
    const started = await spawnUntilReady(
      "nats-server",
      [
        "-a",
        "127.0.0.1",
        "-p",
        String(this.port),
        "-js",
        "-sd",
        this.storeDir,
        ...this.#extraArgs,
      ],
      /Server is ready/,
      undefined,
      this.#children,
    );
    this.#child = started.child;
    this.#child.once("exit", () => {
      this.#child = undefined;
    });
  }

  /** Graceful shutdown. A paused server is resumed first to handle it. */
  async stop(): Promise<void> {
    if (this.#child !== undefined) {
      this.#child.kill("SIGCONT");
      await stopProcess(this.#child, "SIGTERM");
    }
    this.#child = undefined;
  }

  /**
   * Freezes the server with SIGSTOP: its connections stay open but it
   * sends nothing, as when a node hangs or the network drops packets.
   */
  pause(): void {
    this.#child?.kill("SIGSTOP");
  }

  /** Lets a paused server run again. */
  resume(): void {
    this.#child?.kill("SIGCONT");
  }

  /** Abrupt end, as a crash. */
  async kill(): Promise<void> {
    if (this.#child !== undefined) await stopProcess(this.#child, "SIGKILL");
    this.#child = undefined;
  }
}
