import { toError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { CronSchedule } from "./next-run.ts";

/** A cron as the local scheduler sees it: a name and a croner expression. */
export interface ScheduledCron {
  name: string;
  expression: string;
}

export interface LocalSchedulerOptions {
  crons: readonly ScheduledCron[];
  /** IANA name, already validated. */
  timeZone: string;
  /** Runs one cron; a rejection is logged and the schedule goes on. */
  run: (name: string) => Promise<unknown>;
  logger: Logger;
}

// setTimeout fires at once for delays above 2^31 - 1 ms (about 24.8 days),
// so longer waits are split and the timer is re-armed until the run is due.
const maxTimerDelayMs = 2 ** 31 - 1;

interface CronState {
  schedule: CronSchedule;
  timer?: NodeJS.Timeout;
  nextRun?: Date;
  running?: Promise<void>;
}

/**
 * Runs crons at their scheduled times in one time zone, the way EventBridge
 * Scheduler does in the cloud, for `npm run dev`. Run times come from
 * `CronSchedule`, which applies the DST rule. A cron whose previous run is
 * still going when its next run is due skips that run.
 */
export class LocalScheduler {
  readonly #options: LocalSchedulerOptions;
  readonly #states = new Map<string, CronState>();
  #stopped = false;

  constructor(options: LocalSchedulerOptions) {
    this.#options = options;
    for (const cron of options.crons) {
      const schedule = new CronSchedule(cron.expression, options.timeZone);
      this.#states.set(cron.name, { schedule });
    }
  }

  /** Arms a timer for every cron and logs when each runs next. */
  start(): void {
    for (const name of this.#states.keys()) {
      this.#arm(name, new Date());
    }
  }

  /** When a cron runs next, or undefined when it has no further run. */
  nextRunOf(name: string): Date | undefined {
    return this.#states.get(name)?.nextRun;
  }

  /** Clears every timer and waits for runs in progress to end. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const state of this.#states.values()) clearTimeout(state.timer);
    const running = [...this.#states.values()].map((state) => state.running);
    await Promise.all(running);
  }

  #arm(name: string, after: Date): void {
    const state = this.#states.get(name);
    if (state === undefined || this.#stopped) return;

    const due = state.schedule.nextRun(after);
    state.nextRun = due ?? undefined;
    if (due === null) {
      this.#options.logger.warn({ cron: name }, "cron has no further run");
      return;
    }
    this.#options.logger.info(
      { cron: name, nextRun: due.toISOString() },
      "cron scheduled",
    );
    this.#wait(name, state, due);
  }

  #wait(name: string, state: CronState, due: Date): void {
    const delay = Math.min(due.getTime() - Date.now(), maxTimerDelayMs);
    state.timer = setTimeout(
      () => {
        if (Date.now() < due.getTime()) {
          this.#wait(name, state, due);
          return;
        }
        this.#fire(name, state, due);
      },
      Math.max(delay, 0),
    );
  }

  #fire(name: string, state: CronState, due: Date): void {
    // Arm the next run first, so a long run never shifts the schedule.
    this.#arm(name, due);

    if (state.running !== undefined) {
      this.#options.logger.warn(
        { cron: name, scheduledTime: due.toISOString() },
        "cron run skipped: previous run still in progress",
      );
      return;
    }
    state.running = this.#runOnce(name, due).finally(() => {
      state.running = undefined;
    });
  }

  async #runOnce(name: string, due: Date): Promise<void> {
    try {
      await this.#options.run(name);
    } catch (thrown) {
      this.#options.logger.error(
        { cron: name, scheduledTime: due.toISOString(), err: toError(thrown) },
        "cron run failed",
      );
    }
  }
}
