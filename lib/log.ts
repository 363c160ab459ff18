import { type Logger as PinoLogger, pino } from "pino";
import { maskSecrets, secretValuesOf } from "./log-secrets.ts";

export type Logger = PinoLogger;

export interface LoggerOptions {
  /** `LOG_LEVEL` [info]; empty or unknown means `info`. */
  level?: string;
  /** Where lines go; standard output unless set (tests capture lines). */
  destination?: NodeJS.WritableStream;
  /** Environment whose secret values are masked in every line [process.env]. */
  secretsFrom?: Readonly<Record<string, string | undefined>>;
}

/** The levels `LOG_LEVEL` accepts, as pino names them. */
export const logLevels = [
  "fatal",
  "error",
  "warn",
  "info",
  "debug",
  "trace",
  "silent",
] as const;

export type LogLevel = (typeof logLevels)[number];

/**
 * Returns the level a logger runs at: the given level if pino knows it,
 * else `info`. An empty or unknown `LOG_LEVEL` must not crash the process
 * before it can report the setting, so the bridge's configuration reader
 * checks the variable and reports it like any other problem.
 */
export function effectiveLogLevel(level: string | undefined): LogLevel {
  const trimmed = level?.trim();
  return logLevels.find((known) => known === trimmed) ?? "info";
}

/**
 * Names of the fields that identify a job in every line about one, the
 * same in the bridge and the functions.
 */
export const logKeys = {
  jobType: "jobType",
  /** Sequence of the job in its work-queue stream. */
  sequence: "sequence",
  /** 1 on the first delivery. */
  deliveryCount: "deliveryCount",
  /** The Lambda request id of the invocation. */
  requestId: "requestId",
} as const;

/**
 * Creates the JSON line logger that the bridge and the functions share. Every
 * line has `level` (as a word), `time` (ISO 8601), `service` and `msg`; lines
 * about a job add the `logKeys` fields. Secret fields are redacted by name,
 * and the values of secret variables are masked wherever they appear, error
 * messages and stacks included.
 */
export function createLogger(
  service: string,
  options: LoggerOptions = {},
): Logger {
  const level = effectiveLogLevel(options.level ?? process.env.LOG_LEVEL);
  const mask = maskSecrets(secretValuesOf(options.secretsFrom ?? process.env));
  return pino(
    {
      level,
      base: { service },
      messageKey: "msg",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          "password",
          "token",
          "*.password",
          "*.token",
          "*.secret",
          "*.pass",
          "*.secretAccessKey",
          "*.authorization",
          "*.headers.authorization",
        ],
        censor: "[redacted]",
      },
      hooks: { streamWrite: mask },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
