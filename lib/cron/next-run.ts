import { Cron } from "croner";
import { utcOffsetMinutes, wallClock } from "./time-zone.ts";

// How far back a fall-back transition is looked for. Real transitions move
// clocks back by 30 minutes (Lord Howe Island) to 2 hours (Troll station).
const fallBackWindowMs = 3 * 3_600_000;

/**
 * Computes run times of a cron expression in an IANA time zone, following
 * EventBridge Scheduler's rule across DST changes so local runs and cloud
 * runs agree: a local time that does not exist that day (spring forward) is
 * skipped, and a local time that occurs twice (fall back) runs once, at its
 * first occurrence.
 *
 * croner 11 computes the matches but follows Vixie cron instead: it runs a
 * fixed-time job at the end of a DST gap and an interval job on both
 * occurrences of a repeated time. `isRunTime` removes those runs.
 */
export class CronSchedule {
  readonly expression: string;
  readonly timeZone: string;
  readonly #cron: Cron;

  constructor(expression: string, timeZone: string) {
    this.expression = expression;
    this.timeZone = timeZone;
    this.#cron = new Cron(expression, { timezone: timeZone, paused: true });
  }

  /** The first run strictly after `after`, or null when there is none. */
  nextRun(after: Date): Date | null {
    return this.nextRuns(1, after)[0] ?? null;
  }

  /** Up to `count` runs strictly after `after`, in order. */
  nextRuns(count: number, after: Date): Date[] {
    const runs: Date[] = [];
    let cursor = after;

    // Each candidate is later than the one before, and at most a few
    // candidates per DST change are dropped, so this loop ends.
    while (runs.length < count) {
      const candidate = this.#cron.nextRun(cursor);
      if (candidate === null) break;
      if (this.isRunTime(candidate)) runs.push(candidate);
      cursor = candidate;
    }
    return runs;
  }

  /**
   * Whether the rule lets a croner candidate run: its local time matches the
   * expression (not moved past a DST gap) and is the first occurrence.
   */
  isRunTime(candidate: Date): boolean {
    return (
      this.#cron.match(candidate) &&
      !isRepeatedLocalTime(candidate, this.timeZone)
    );
  }
}

/**
 * Whether the local time at `instant` already occurred earlier that night,
 * which happens in the hour (or half hour) that a fall-back change repeats.
 */
export function isRepeatedLocalTime(instant: Date, timeZone: string): boolean {
  const before = new Date(instant.getTime() - fallBackWindowMs);
  const shiftMinutes =
    utcOffsetMinutes(before, timeZone) - utcOffsetMinutes(instant, timeZone);
  if (shiftMinutes <= 0) return false;

  const earlier = new Date(instant.getTime() - shiftMinutes * 60_000);
  return wallClock(earlier, timeZone) === wallClock(instant, timeZone);
}
