import { mkdir } from "node:fs/promises";
import S3rver from "s3rver";
import { freePort } from "./free-port.ts";

export interface LocalS3Options {
  /** Folder for the stored objects. */
  directory: string;
  buckets: string[];
  port?: number;
}

/** Credentials s3rver accepts; the local store does not check them. */
export const localS3Credentials = {
  accessKeyId: "S3RVER",
  secretAccessKey: "S3RVER",
};

/** A local S3 (s3rver) on loopback, with the given buckets created. */
export class LocalS3 {
  readonly port: number;
  readonly #server: S3rver;

  private constructor(port: number, server: S3rver) {
    this.port = port;
    this.#server = server;
  }

  static async start(options: LocalS3Options): Promise<LocalS3> {
    const port = options.port ?? (await freePort());
    await mkdir(options.directory, { recursive: true });
    const server = new S3rver({
      port,
      address: "127.0.0.1",
      silent: true,
      directory: options.directory,
      configureBuckets: options.buckets.map((name) => ({ name, configs: [] })),
    });
    await server.run();
    return new LocalS3(port, server);
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await this.#server.close();
  }
}
