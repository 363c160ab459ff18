import { pino, type Logger as PinoLogger } from "pino";
import { maskSecrets, secretValuesOf } from "./log-secrets.ts";

export type Logger = PinoLogger;

export interface LoggerOptions {
  /** `LOG_LEVEL`, default `info`. */
  level?: string;
  /** Where lines go; standard output unless set (tests capture lines). */
  destination?: NodeJS.WritableStream;
  /** Environment whose secret values are masked in every line [process.env]. */
  secretsFrom?: Readonly<Record<string, string | undefined>>;
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
  const level = options.level ?? process.env.LOG_LEVEL ?? "info";
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
