import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { JobTypeSettings } from "../../lib/bridge/bridge.ts";
import { Bridge } from "../../lib/bridge/bridge.ts";
import type { ContentBucket } from "../../lib/db/seed.ts";
import {
  InProcessInvoker,
  importFunctionModule,
} from "../../lib/invoke/in-process.ts";
import type { JobTypeName } from "../../lib/jobs/catalogue.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { MeilisearchStandIn } from "../../lib/local/meilisearch-standin.ts";
import { LocalS3, localS3Credentials } from "../../lib/local/s3-server.ts";
import { createSearchClient } from "../../lib/search/client.ts";
import { createS3Client } from "../../lib/storage/s3-client.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { deleteStreams } from "./dead-letters.ts";
import { connectTo, sharedNatsUrl, testBridgeConfig } from "./nats.ts";

/**
 * Everything the search functions use, started for one test file: a fresh
 * database behind its WebSocket proxy, a local S3 with the content bucket
 * and the Meilisearch stand-in.
 */
export interface SearchStack {
  database: TestDatabase;
  standIn: MeilisearchStandIn;
  content: ContentBucket;
  /** The variables the search functions read. */
  env: Record<string, string>;
  /** A client of the stand-in, as the app would search. */
  search: ReturnType<typeof createSearchClient>;
  dispose(): Promise<void>;
}

export async function startSearchStack(): Promise<SearchStack> {
  const directory = await mkdtemp(join(tmpdir(), "axumkit-search-"));
  const bucket = "content";
  const [database, standIn, s3] = await Promise.all([
    createTestDatabase(),
    MeilisearchStandIn.start(),
    LocalS3.start({ directory, buckets: [bucket] }),
  ]);

  const env = {
    ...database.env,
    MEILISEARCH_HOST: standIn.url,
    MEILISEARCH_TASK_TIMEOUT_MS: "10000",
    STORAGE_ENDPOINT: s3.endpoint,
    STORAGE_FORCE_PATH_STYLE: "true",
    STORAGE_ACCESS_KEY_ID: localS3Credentials.accessKeyId,
    STORAGE_SECRET_ACCESS_KEY: localS3Credentials.secretAccessKey,
    CONTENT_BUCKET: bucket,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
  };
  const content = {
    s3: createS3Client({
      endpoint: s3.endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: localS3Credentials,
    }),
    bucket,
  };

  return {
    database,
    standIn,
    content,
    env,
    search: createSearchClient({
      host: standIn.url,
      postsIndex: "posts",
      usersIndex: "users",
      taskTimeoutMs: 10_000,
    }),
    async dispose() {
      content.s3.destroy();
      await standIn.stop();
      await s3.stop();
      await database.dispose();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A bridge running the real search functions against a search stack. */
export interface SearchBridge {
  bridge: Bridge;
  config: ReturnType<typeof testBridgeConfig>;
  connection: NatsConnection;
  dispose(): Promise<void>;
}

export async function startSearchBridge(
  stack: Pick<SearchStack, "env">,
  jobTypes: JobTypeName[],
  settings: Partial<Record<JobTypeName, JobTypeSettings>> = {},
): Promise<SearchBridge> {
  const config = testBridgeConfig([sharedNatsUrl], jobTypes);
  const bridge = await Bridge.start({
    config,
    invoker: new InProcessInvoker(importFunctionModule(stack.env)),
    jobTypeSettings: settings,
    // Short pulls, so stopping the bridge does not wait out a long one.
    pullExpiresMs: 1_000,
  });
  const connection = await connectTo(sharedNatsUrl);

  return {
    bridge,
    config,
    connection,
    async dispose() {
      await bridge.stop();
      const jsm = await jetstreamManager(connection);
      const streams = jobTypes.map(
        (jobType) => addressOf(jobType, config.naming).stream,
      );
      await deleteStreams(jsm, [...streams, config.naming.deadLetterStream]);
      await connection.close();
    },
  };
}
