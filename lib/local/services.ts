import { join } from "node:path";
import { envValue } from "../config/env-reader.ts";
import { MeilisearchStandIn } from "./meilisearch-standin.ts";
import { NatsServer } from "./nats-server.ts";
import { startPostgresService } from "./postgres-service.ts";
import { startRedis } from "./redis-service.ts";
import { LocalS3, localS3Credentials } from "./s3-server.ts";
import { startSes } from "./ses-service.ts";
import { pickSet, reusedService, type ServiceStarter } from "./stack.ts";

export { startRedis, startSes };

/** nats-server with JetStream, unless `NATS_URL` is set. */
export const startNats: ServiceStarter = async ({ env, dataDir, children }) => {
  const natsUrl = envValue(env, "NATS_URL");
  if (natsUrl !== undefined) {
    return reusedService(
      "nats",
      natsUrl,
      pickSet(env, [
        "NATS_URL",
        "NATS_CREDS_FILE",
        "NATS_TOKEN",
        "NATS_USER",
        "NATS_PASSWORD",
      ]),
    );
  }

  const server = await NatsServer.start({
    storeDir: join(dataDir, "nats"),
    children,
  });
  return {
    name: "nats",
    url: server.url,
    reused: false,
    env: { NATS_URL: server.url },
    stop: () => server.stop(),
  };
};

/**
 * s3rver with the content and public buckets, unless `STORAGE_ENDPOINT` is
 * set. Bucket names come from `CONTENT_BUCKET` and `PUBLIC_BUCKET`. Exports
 * the s3rver access keys, so no client falls back to the AWS credential
 * chain, and `R2_PUBLIC_DOMAIN` when unset.
 */
export const startObjectStore: ServiceStarter = async ({ env, dataDir }) => {
  const contentBucket = envValue(env, "CONTENT_BUCKET") ?? "axumkit-content";
  const publicBucket = envValue(env, "PUBLIC_BUCKET") ?? "axumkit-public";
  const buckets = {
    CONTENT_BUCKET: contentBucket,
    PUBLIC_BUCKET: publicBucket,
  };
  const endpoint = envValue(env, "STORAGE_ENDPOINT");
  if (endpoint !== undefined) {
    return reusedService("s3", endpoint, {
      ...buckets,
      ...pickSet(env, [
        "STORAGE_ENDPOINT",
        "STORAGE_REGION",
        "STORAGE_FORCE_PATH_STYLE",
        "STORAGE_ACCESS_KEY_ID",
        "STORAGE_SECRET_ACCESS_KEY",
      ]),
    });
  }

  const s3 = await LocalS3.start({
    directory: join(dataDir, "s3"),
    buckets: [contentBucket, publicBucket],
  });
  return {
    name: "s3",
    url: s3.endpoint,
    reused: false,
    env: {
      ...buckets,
      STORAGE_ENDPOINT: s3.endpoint,
      STORAGE_FORCE_PATH_STYLE: "true",
      STORAGE_ACCESS_KEY_ID: localS3Credentials.accessKeyId,
      STORAGE_SECRET_ACCESS_KEY: localS3Credentials.secretAccessKey,
      // s3rver serves objects at path-style URLs, so this is the public
      // bucket's URL for the sitemap index.
      R2_PUBLIC_DOMAIN:
        envValue(env, "R2_PUBLIC_DOMAIN") ?? `${s3.endpoint}/${publicBucket}`,
    },
    stop: () => s3.stop(),
  };
};

/**
 * Postgres with the schema behind the Neon WebSocket proxy: the machine's
 * on 127.0.0.1:5432 or a cluster of our own, unless `DATABASE_URL` is set.
 */
export const startPostgres: ServiceStarter = startPostgresService;

/**
 * The Meilisearch stand-in (in memory, not a search engine) unless
 * `MEILISEARCH_HOST` is set.
 */
export const startMeilisearch: ServiceStarter = async ({ env }) => {
  const host = envValue(env, "MEILISEARCH_HOST");
  if (host !== undefined) {
    return reusedService(
      "meilisearch",
      host,
      pickSet(env, ["MEILISEARCH_HOST", "MEILISEARCH_API_KEY"]),
    );
  }

  const standIn = await MeilisearchStandIn.start({
    apiKey: envValue(env, "MEILISEARCH_API_KEY"),
  });
  return {
    name: "meilisearch-stand-in",
    url: standIn.url,
    reused: false,
    env: {
      MEILISEARCH_HOST: standIn.url,
      ...pickSet(env, ["MEILISEARCH_API_KEY"]),
    },
    stop: () => standIn.stop(),
  };
};

/** The services `npm run dev` runs, in start order. */
export const devServices: ServiceStarter[] = [
  startNats,
  startObjectStore,
  startPostgres,
  startMeilisearch,
  startRedis,
  startSes,
];
