import type { EnvReader } from "./env-reader.ts";
import {
  type ContentBucketConfig,
  readContentBucketConfig,
} from "./storage.ts";

/** Settings of the orphan scan. Defaults in brackets. */
export interface OrphanScanConfig {
  content: ContentBucketConfig;
  /** `ORPHAN_MIN_AGE`: objects younger than this are kept [1h]. */
  minAgeMs: number;
  /** `ORPHAN_SCAN_DRY_RUN`: report what would be deleted, delete nothing [false]. */
  dryRun: boolean;
  /**
   * `ORPHAN_MAX_DELETE_PERCENT`: the largest share of the scanned objects
   * one run may delete; past it the run deletes nothing and fails [20].
   */
  maxDeletePercent: number;
}

export function readOrphanScanConfig(env: EnvReader): OrphanScanConfig {
  return {
    content: readContentBucketConfig(env),
    minAgeMs: readDuration(env, "ORPHAN_MIN_AGE", "1h"),
    dryRun: env.boolean("ORPHAN_SCAN_DRY_RUN", false),
    maxDeletePercent: env.integer("ORPHAN_MAX_DELETE_PERCENT", 20, {
      min: 0,
      max: 100,
    }),
  };
}

const unitMs = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A whole number with a unit: `90s`, `30m`, `1h` or `2d`. */
function readDuration(env: EnvReader, name: string, fallback: string): number {
  const text = env.string(name, fallback);
  const match = /^(\d+)(s|m|h|d)$/.exec(text);
  if (match === null) {
    env.reject(
      `${name} must be a whole number with a unit s, m, h or d, such as 1h, got "${text}"`,
    );
    return parseDurationMs(fallback);
  }
  return parseDurationMs(text);
}

function parseDurationMs(text: string): number {
  const amount = Number.parseInt(text, 10);
  const unit = text.at(-1) as keyof typeof unitMs;
  return amount * unitMs[unit];
}
