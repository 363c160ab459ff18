import type { ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { spawnUntilReady, stopProcess } from "./child-process.ts";
import type { ChildRegistry } from "./child-registry.ts";
import { freePort } from "./free-port.ts";

/** Credentials for the local SES: it checks only that some are signed. */
export const localSesCredentials = {
  accessKeyId: "local-ses",
  secretAccessKey: "local-ses",
};

const cliPath = createRequire(import.meta.url).resolve(
  "aws-ses-v2-local/dist/cli.js",
);

/**
 * The local SES (`aws-ses-v2-local`) as a child process on loopback. It
 * stores every mail in memory, shows them in a web viewer at its root URL
 * and lists them as JSON at `GET /store`.
 */
export class LocalSes {
  readonly port: number;
  readonly #child: ChildProcess;

  private constructor(port: number, child: ChildProcess) {
    this.port = port;
    this.#child = child;
  }

  /**
   * Starts the server. `SMTP_TRANSPORT` is removed from its environment:
   * with it set, aws-ses-v2-local forwards every mail to that SMTP server.
   * With `children`, it runs in its own process group, recorded there.
   */
  static async start(
    options: { port?: number; children?: ChildRegistry } = {},
  ): Promise<LocalSes> {
    const port = options.port ?? (await freePort());
    const started = await spawnUntilReady(
      "env",
      [
        "-u",
        "SMTP_TRANSPORT",
        process.execPath,
        cliPath,
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
      ],
      /server running at/,
      undefined,
      options.children,
    );
    return new LocalSes(port, started.child);
  }

  /** The SES API endpoint, also the mail viewer. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await stopProcess(this.#child, "SIGTERM");
  }
}
