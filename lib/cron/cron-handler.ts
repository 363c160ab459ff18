import { z } from "zod";
import { readCronLockConfig } from "../config/cron.ts";
import { EnvReader, type EnvSource } from "../config/env-reader.ts";
import { readRedisConfig } from "../config/redis.ts";
import { toError } from "../errors.ts";
import { createLogger, type Logger } from "../log.ts";
import { createRedisClient } from "../redis/client.ts";
import { type CronName, cronCatalogue, lockTtlSeconds } from "./catalogue.ts";
import { CronLock, type HeldLock } from "./lock.ts";

/**
 * The event EventBridge Scheduler passes: the target input the schedule
 * sets, never job records. Every field is optional; unknown fields are kept.
 */
export const cronEventSchema = z.looseObject({
  /** `scheduler` from EventBridge Scheduler, `manual` from `npm run cron`. */
  source: z.string().optional(),
  /** The time the run was scheduled for, ISO 8601. */
  scheduledTime: z.string().optional(),
});

export type CronEvent = z.infer<typeof cronEventSchema>;

/** What a cron's work reports: counts, plus details such as sample keys. */
export interface CronReport {
  counts: Record<string, number>;
  details?: Record<string, unknown>;
}

/** The result of one invocation. A failed run throws instead. */
export interface CronResult extends CronReport {
  cron: CronName;
  /** `skipped` when another run of the same cron held the lock. */
  status: "completed" | "skipped";
  startedAt: string;
  durationMs: number;
}

export type CronTask = (logger: Logger) => Promise<CronReport>;

/** The function entry point of a cron. */
export interface CronHandler {
  (event?: unknown, context?: unknown): Promise<CronResult>;
  /** Runs setup now, so bad configuration fails before the first run. */
  prepare(): Promise<void>;
}

export interface CronHandlerOptions {
  cron: CronName;
  /**
   * Reads the cron's own configuration from `env` and builds its clients.
   * Runs once per cold start; problems are collected in `env` together with
   * the lock's, and reported at once.
   */
  setup: (env: EnvReader, logger: Logger) => CronTask;
  source?: EnvSource;
  logger?: Logger;
}

interface Prepared {
  lock: CronLock;
  task: CronTask;
}

/**
 * Builds a cron's handler: takes the cron's overlap lock in Redis, runs the
 * task, logs its counts and releases the lock if it still holds it. A run
 * that finds the lock held logs it and returns `skipped` without error, as
 * EventBridge Scheduler may deliver one schedule twice.
 */
export function createCronHandler(options: CronHandlerOptions): CronHandler {
  const cron = cronCatalogue[options.cron];
  const logger = options.logger ?? createLogger(`cron.${cron.name}`);
  let prepared: Prepared | undefined;

  const prepare = (): Prepared => {
    if (prepared !== undefined) return prepared;

    const env = new EnvReader(options.source ?? process.env);
    const redisConfig = readRedisConfig(env);
    const lockConfig = readCronLockConfig(env);
    const task = options.setup(env, logger);
    env.assertValid();

    const lock = new CronLock(
      createRedisClient(redisConfig),
      `${lockConfig.keyPrefix}${cron.name}`,
      lockTtlSeconds(cron) * 1_000,
    );
    prepared = { lock, task };
    return prepared;
  };

  const handler = async (event: unknown = {}): Promise<CronResult> => {
    const parsed = cronEventSchema.parse(event ?? {});
    const { lock, task } = prepare();
    const startedAt = new Date();
    const runLogger = logger.child({
      source: parsed.source,
      scheduledTime: parsed.scheduledTime,
    });

    const attempt = await lock.acquire(startedAt);
    if (!attempt.acquired) {
      runLogger.info(
        { lockKey: attempt.key, heldBy: attempt.heldBy },
        "cron run skipped: lock held by another run",
      );
      return finish("skipped", startedAt, { counts: {} });
    }

    runLogger.info({ lockKey: attempt.lock.key }, "cron run started");
    try {
      const report = await task(runLogger);
      const result = finish("completed", startedAt, report);
      runLogger.info(
        { counts: report.counts, durationMs: result.durationMs },
        "cron run completed",
      );
      return result;
    } catch (thrown) {
      runLogger.error({ err: toError(thrown) }, "cron run failed");
      throw thrown;
    } finally {
      await releaseLock(lock, attempt.lock, runLogger);
    }
  };

  const finish = (
    status: CronResult["status"],
    startedAt: Date,
    report: CronReport,
  ): CronResult => ({
    cron: cron.name as CronName,
    status,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    ...report,
  });

  return Object.assign(handler, {
    prepare: async () => {
      prepare();
    },
  });
}

async function releaseLock(
  lock: CronLock,
  heldLock: HeldLock,
  logger: Logger,
): Promise<void> {
  try {
    const released = await lock.release(heldLock);
    if (!released) {
      logger.warn(
        { lockKey: heldLock.key },
        "cron lock expired or was taken by another run before release",
      );
    }
  } catch (thrown) {
    // The lock expires on its own; a failed release must not hide the
    // run's own outcome.
    logger.error(
      { lockKey: heldLock.key, err: toError(thrown) },
      "cron lock release failed",
    );
  }
}
