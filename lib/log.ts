import { pino, type Logger as PinoLogger } from "pino";

export type Logger = PinoLogger;

export interface LoggerOptions {
  /** `LOG_LEVEL`, default `info`. */
  level?: string;
  /** Where lines go; standard output unless set (tests capture lines). */
  destination?: NodeJS.WritableStream;
}

/**
 * Creates the JSON line logger that the bridge and the functions share. Every
 * line has `level` (as a word), `time` (ISO 8601), `service` and `msg`.
 */
export function createLogger(
  service: string,
  options: LoggerOptions = {},
): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? "info";
  return pino(
    {
      level,
      base: { service },
      messageKey: "msg",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ["password", "token", "*.password", "*.token", "*.secret"],
        censor: "[redacted]",
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
