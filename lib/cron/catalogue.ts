/** Day names as both EventBridge Scheduler and croner spell them. */
export const daysOfWeek = [
  "SUN",
  "MON",
  "TUE",
  "WED",
  "THU",
  "FRI",
  "SAT",
] as const;

export type DayOfWeek = (typeof daysOfWeek)[number];

/** Once a week at a wall-clock time in `CRON_TIMEZONE`. */
export interface WeeklySchedule {
  dayOfWeek: DayOfWeek;
  /** 0-23, local time. */
  hour: number;
  /** 0-59. */
  minute: number;
}

/**
 * One cron: when EventBridge Scheduler (or the local scheduler) runs it and
 * which function it runs. The schedule is written here once; both cron
 * expressions are derived from it in `expressions.ts`.
 */
export interface CronJob {
  name: string;
  schedule: WeeklySchedule;
  /** Module under `functions/` (without extension) exporting `handler`. */
  functionModule: string;
  /** Function timeout. The overlap lock outlives it by `lockMarginSeconds`. */
  timeoutSeconds: number;
  memoryMb: number;
}

/**
 * How much longer than the function timeout the overlap lock lasts, so a run
 * that is still inside its timeout always holds its lock.
 */
export const lockMarginSeconds = 60;

function defineCron(cron: CronJob): CronJob {
  return cron;
}

export const cronCatalogue = {
  cleanup: defineCron({
    name: "cleanup",
    schedule: { dayOfWeek: "SAT", hour: 4, minute: 0 },
    functionModule: "cleanup",
    timeoutSeconds: 300,
    memoryMb: 256,
  }),
  sitemap: defineCron({
    name: "sitemap",
    schedule: { dayOfWeek: "SUN", hour: 3, minute: 0 },
    functionModule: "sitemap",
    timeoutSeconds: 600,
    // A sitemap file of up to 50 MiB is built in memory before upload.
    memoryMb: 1024,
  }),
  "orphan-scan": defineCron({
    name: "orphan-scan",
    schedule: { dayOfWeek: "FRI", hour: 5, minute: 0 },
    functionModule: "orphan-scan",
    timeoutSeconds: 600,
    memoryMb: 512,
  }),
} as const;

export type CronName = keyof typeof cronCatalogue;

export const cronNames = Object.keys(cronCatalogue) as CronName[];

export function isCronName(name: string): name is CronName {
  return Object.hasOwn(cronCatalogue, name);
}

/** Seconds the overlap lock of a cron lives before Redis drops it. */
export function lockTtlSeconds(cron: CronJob): number {
  return cron.timeoutSeconds + lockMarginSeconds;
}
