import { EnvReader, type EnvSource } from "../lib/config/env-reader.ts";
import { invalidTimeZoneReason } from "../lib/cron/time-zone.ts";

/** Environment variables by name, as a linkable's properties carry them. */
export type Variables = Record<string, string>;

export type NatsAuth = "none" | "token" | "user-password";

export interface StorageSettings {
  /** `STORAGE_PROVIDER`: AWS S3, or Cloudflare R2 through its S3 API [s3]. */
  provider: "s3" | "r2";
  /** `STORAGE_ENDPOINT`, required for R2. */
  endpoint?: string;
  /** `CONTENT_BUCKET`: an existing bucket; unset on S3 to create one. */
  contentBucket?: string;
  /** `PUBLIC_BUCKET`: an existing bucket; unset on S3 to create one. */
  publicBucket?: string;
  /** `CONTENT_ALLOWED_PREFIXES`: the only keys functions may delete [posts/]. */
  allowedPrefixes: string[];
}

export interface BridgeSettings {
  /** `BRIDGE_IMAGE`: a prebuilt image; unset to build `Dockerfile`. */
  image?: string;
  /** `BRIDGE_SPOT`: run the tasks on Fargate Spot [false]. */
  spot: boolean;
  /** `BRIDGE_MAX_TASKS`: the scaling limit [2]. */
  maxTasks: number;
  /** `BRIDGE_CPU_TARGET`: average CPU percent that scaling keeps [70]. */
  cpuTarget: number;
  /** `HEALTH_PORT`: where the bridge serves `/healthz` [9464]. */
  healthPort: number;
  /** Consumer `ack_wait` in ms, `ACK_WAIT_MS` [30000]. */
  ackWaitMs: number;
  /** Bridge variables copied from the deploy environment when set. */
  variables: Variables;
}

/** Everything `sst deploy` reads from its environment (and `.env`). */
export interface DeploySettings {
  /** `AWS_REGION` [us-east-1]. */
  region: string;
  /** `CRON_TIMEZONE`: the IANA zone the schedules run in [UTC]. */
  cronTimeZone: string;
  /** `NATS_URL`, required: the servers the bridge connects to. */
  natsUrl: string;
  /** `NATS_AUTH`: which NATS secrets the bridge gets [none]. */
  natsAuth: NatsAuth;
  /** `SES_IDENTITY`: the SES identity the email function may send from. */
  sesIdentity: string;
  storage: StorageSettings;
  bridge: BridgeSettings;
  /** Settings of the email function. */
  email: Variables;
  /** Settings of the functions that use Meilisearch. */
  search: Variables;
  /** Settings of the cleanup cron. */
  cleanup: Variables;
  /** Settings of the sitemap cron. */
  sitemap: Variables;
  /** Settings of the orphan-scan cron. */
  orphanScan: Variables;
}

const bridgeVariableNames = [
  "NATS_REPLICAS",
  "JOB_SUBJECT_PREFIX",
  "JOB_STREAM_PREFIX",
  "DLQ_STREAM",
  "DLQ_SUBJECT_PREFIX",
  "DLQ_MAX_AGE_HOURS",
  "ACK_WAIT_MS",
  "MAX_DELIVER",
  "RETRY_BASE_DELAY_MS",
  "SHUTDOWN_TIMEOUT_MS",
  "LOG_LEVEL",
  "LOG_QUIET_SUCCESS",
];

const emailOptionalNames = [
  "EMAILS_FROM_NAME",
  "FRONTEND_PATH_VERIFY_EMAIL",
  "FRONTEND_PATH_RESET_PASSWORD",
  "FRONTEND_PATH_CONFIRM_EMAIL_CHANGE",
  "EMAIL_SENT_TTL_DAYS",
];

const searchOptionalNames = [
  "MEILISEARCH_POSTS_INDEX",
  "MEILISEARCH_USERS_INDEX",
  "MEILISEARCH_TASK_TIMEOUT_MS",
];

const cronLockNames = ["CRON_LOCK_KEY_PREFIX"];

const cleanupOptionalNames = [
  ...cronLockNames,
  "CLEANUP_TOKEN_BATCH_SIZE",
  "CLEANUP_SCAN_COUNT",
  "SESSION_INDEX_KEY_PREFIX",
];

const sitemapOptionalNames = [...cronLockNames, "SITEMAP_URLS_PER_FILE"];

const orphanScanOptionalNames = [
  ...cronLockNames,
  "ORPHAN_MIN_AGE",
  "ORPHAN_SCAN_DRY_RUN",
  "ORPHAN_MAX_DELETE_PERCENT",
];

/**
 * Reads the deploy settings and throws one ConfigError naming every missing
 * or invalid variable, so `sst deploy` stops before it creates anything.
 */
export function readDeploySettings(source: EnvSource): DeploySettings {
  // A copy, so the reader takes these variables as they are instead of
  // loading `Resource` as it does for `process.env`.
  const environment = { ...source };
  const env = new EnvReader(environment);

  const region = env.string("AWS_REGION", "us-east-1");
  const cronTimeZone = env.string("CRON_TIMEZONE", "UTC");
  const timeZoneProblem = invalidTimeZoneReason(cronTimeZone);
  if (timeZoneProblem !== undefined) {
    env.reject(`CRON_TIMEZONE: ${timeZoneProblem}`);
  }

  const fromEmail = env.required("EMAILS_FROM_EMAIL");
  const settings: DeploySettings = {
    region,
    cronTimeZone,
    natsUrl: env.required("NATS_URL"),
    natsAuth: env.choice(
      "NATS_AUTH",
      ["none", "token", "user-password"],
      "none",
    ),
    sesIdentity: env.string("SES_IDENTITY", fromEmail.split("@")[1] ?? ""),
    storage: readStorageSettings(env),
    bridge: readBridgeSettings(env, environment),
    email: {
      EMAILS_FROM_EMAIL: fromEmail,
      PROJECT_NAME: env.required("PROJECT_NAME"),
      FRONTEND_HOST: env.required("FRONTEND_HOST"),
      SES_REGION: env.string("SES_REGION", region),
      ...pickSet(environment, emailOptionalNames),
    },
    search: {
      MEILISEARCH_HOST: env.required("MEILISEARCH_HOST"),
      ...pickSet(environment, searchOptionalNames),
    },
    cleanup: pickSet(environment, cleanupOptionalNames),
    sitemap: {
      FRONTEND_HOST: env.required("FRONTEND_HOST"),
      R2_PUBLIC_DOMAIN: env.required("R2_PUBLIC_DOMAIN"),
      ...pickSet(environment, sitemapOptionalNames),
    },
    orphanScan: pickSet(environment, orphanScanOptionalNames),
  };

  env.assertValid();
  return settings;
}

function readStorageSettings(env: EnvReader): StorageSettings {
  const provider = env.choice("STORAGE_PROVIDER", ["s3", "r2"], "s3");
  const settings: StorageSettings = {
    provider,
    endpoint: env.optional("STORAGE_ENDPOINT"),
    contentBucket: env.optional("CONTENT_BUCKET"),
    publicBucket: env.optional("PUBLIC_BUCKET"),
    allowedPrefixes: env.list("CONTENT_ALLOWED_PREFIXES", ["posts/"]),
  };

  if (provider === "r2") {
    // R2 buckets live outside AWS, so they are named, never created here.
    env.required("STORAGE_ENDPOINT");
    env.required("CONTENT_BUCKET");
    env.required("PUBLIC_BUCKET");
  }
  return settings;
}

function readBridgeSettings(
  env: EnvReader,
  environment: EnvSource,
): BridgeSettings {
  return {
    image: env.optional("BRIDGE_IMAGE"),
    spot: env.boolean("BRIDGE_SPOT", false),
    maxTasks: env.integer("BRIDGE_MAX_TASKS", 2, { min: 1, max: 50 }),
    cpuTarget: env.integer("BRIDGE_CPU_TARGET", 70, { min: 10, max: 95 }),
    healthPort: env.integer("HEALTH_PORT", 9464, { min: 1, max: 65_535 }),
    ackWaitMs: env.integer("ACK_WAIT_MS", 30_000, { min: 1_000 }),
    variables: pickSet(environment, bridgeVariableNames),
  };
}

/** Picks the variables among `names` that are set, trimmed. */
function pickSet(environment: EnvSource, names: string[]): Variables {
  const picked: Variables = {};
  for (const name of names) {
    const value = environment[name]?.trim();
    if (value) picked[name] = value;
  }
  return picked;
}
