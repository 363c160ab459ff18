import { invalidTimeZoneReason } from "../cron/time-zone.ts";
import type { EnvReader } from "./env-reader.ts";

/** `CRON_TIMEZONE`: the IANA time zone the cron schedules run in [UTC]. */
export function readCronTimeZone(env: EnvReader): string {
  const timeZone = env.string("CRON_TIMEZONE", "UTC");
  const reason = invalidTimeZoneReason(timeZone);
  if (reason !== undefined) {
    env.reject(
      `CRON_TIMEZONE ${reason}; set an IANA name such as UTC or Europe/Amsterdam`,
    );
  }
  return timeZone;
}

/** Where the overlap locks of the crons live in Redis. */
export interface CronLockConfig {
  /** `CRON_LOCK_KEY_PREFIX`, followed by the cron name [cron-lock:]. */
  keyPrefix: string;
}

export function readCronLockConfig(env: EnvReader): CronLockConfig {
  return { keyPrefix: env.string("CRON_LOCK_KEY_PREFIX", "cron-lock:") };
}

/** Settings of the cleanup cron. Defaults in brackets. */
export interface CleanupConfig {
  /** `CLEANUP_TOKEN_BATCH_SIZE`: max rows one DELETE removes [5000]. */
  tokenBatchSize: number;
  /** `SESSION_INDEX_KEY_PREFIX`, followed by a user id [user_sessions:]. */
  sessionIndexKeyPrefix: string;
  /** `CLEANUP_SCAN_COUNT`: the COUNT hint of each SCAN call [500]. */
  scanCount: number;
}

export function readCleanupConfig(env: EnvReader): CleanupConfig {
  const sessionIndexKeyPrefix = env.string(
    "SESSION_INDEX_KEY_PREFIX",
    "user_sessions:",
  );
  if (/[*?[\]\\]/.test(sessionIndexKeyPrefix)) {
    env.reject(
      `SESSION_INDEX_KEY_PREFIX must not contain the glob characters * ? [ ] \\, got "${sessionIndexKeyPrefix}"`,
    );
  }

  return {
    tokenBatchSize: env.integer("CLEANUP_TOKEN_BATCH_SIZE", 5_000, {
      min: 1,
      max: 100_000,
    }),
    sessionIndexKeyPrefix,
    scanCount: env.integer("CLEANUP_SCAN_COUNT", 500, { min: 1, max: 10_000 }),
  };
}
