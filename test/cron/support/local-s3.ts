import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { spawnUntilReady } from "../../../lib/local/child-process.ts";
import { freePort } from "../../../lib/local/free-port.ts";
import { localS3Credentials } from "../../../lib/local/s3-server.ts";
import { createS3Client } from "../../../lib/storage/s3-client.ts";

const serverScript = new URL("./s3rver-process.ts", import.meta.url).pathname;

/**
 * An s3rver of this test file in a temporary folder, with one bucket. It
 * runs in a child process with OpenSSL's legacy provider, which its
 * listing pagination needs on Node 24 (see `s3rver-process.ts`).
 */
export interface TestObjectStore {
  bucket: string;
  directory: string;
  s3: S3Client;
  /** Storage variables for a function under test. */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

export async function startTestObjectStore(
  bucket: string,
): Promise<TestObjectStore> {
  const directory = await mkdtemp(join(tmpdir(), "axumkit-s3-"));
  const port = await freePort();
  const { child } = await spawnUntilReady(
    process.execPath,
    [
      "--openssl-legacy-provider",
      serverScript,
      directory,
      String(port),
      bucket,
    ],
    /s3rver ready/,
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const env = {
    STORAGE_ENDPOINT: endpoint,
    STORAGE_FORCE_PATH_STYLE: "true",
    STORAGE_ACCESS_KEY_ID: localS3Credentials.accessKeyId,
    STORAGE_SECRET_ACCESS_KEY: localS3Credentials.secretAccessKey,
  };
  const s3 = createS3Client({
    endpoint: endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: localS3Credentials,
  });

  const dispose = async () => {
    s3.destroy();
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await exited;
    await rm(directory, { recursive: true, force: true });
  };
  return { bucket, directory, s3, env, dispose };
}

/** Runs `task` over `items`, at most `limit` at a time. */
export async function forEachLimited<Item>(
  items: readonly Item[],
  limit: number,
  task: (item: Item) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next] as Item;
      next += 1;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}
