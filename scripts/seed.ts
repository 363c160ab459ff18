// Writes demo users and posts, with each post's zstd-compressed content in
// the content bucket. Reuses the database and object store the environment
// names; starts the local ones `npm run dev` uses otherwise, so the data is
// there on the next `npm run dev`.
import { resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { EnvReader } from "../lib/config/env-reader.ts";
import { readObjectStoreConfig } from "../lib/config/storage.ts";
import { readDatabaseConfig } from "../lib/db/config.ts";
import { createDatabasePool } from "../lib/db/pool.ts";
import { seed } from "../lib/db/seed.ts";
import { startObjectStore, startPostgres } from "../lib/local/services.ts";
import { startStack } from "../lib/local/stack.ts";
import { createLogger } from "../lib/log.ts";
import { createS3Client } from "../lib/storage/s3-client.ts";

function count(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) {
    throw new InvalidArgumentError("must be a non-negative integer");
  }
  return number;
}

const options = new Command("seed")
  .description("Write demo users and posts with their content objects")
  .option("--posts <count>", "posts to write", count, 1_000)
  .option("--users <count>", "users to write (at least 1)", count, 100)
  .parse()
  .opts<{ posts: number; users: number }>();

const logger = createLogger("seed");
const stack = await startStack([startPostgres, startObjectStore], {
  env: process.env,
  dataDir: resolve(import.meta.dirname, "..", ".dev"),
});

try {
  const env = new EnvReader(stack.env);
  const database = readDatabaseConfig(env);
  const store = readObjectStoreConfig(env);
  const bucket = env.required("CONTENT_BUCKET");
  env.assertValid();

  const pool = createDatabasePool(database, logger);
  const started = performance.now();
  const written = await seed(
    pool,
    { s3: createS3Client(store), bucket },
    { users: Math.max(1, options.users), posts: options.posts },
  );
  await pool.end();
  logger.info(
    {
      users: written.users.length,
      posts: written.posts.length,
      bucket,
      // One written key, ready for a delete_content job's storage_keys.
      sampleStorageKey: written.posts[0]?.storageKey,
      durationMs: Math.round(performance.now() - started),
    },
    "seed written",
  );
} finally {
  await stack.stop();
}
