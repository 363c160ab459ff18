/**
 * Exit codes of the `axumkit-jobs` CLI. Scripts may rely on them; the README
 * lists the same table.
 */
export const exitCodes = {
  /** The command did what it was asked and found nothing wrong. */
  ok: 0,
  /**
   * The command ran and its check failed: an invalid payload, a job type
   * stuck past the threshold, dead letters a replay could not republish.
   */
  failed: 1,
  /** Bad usage: an unknown command, option, job type or unreadable file. */
  usage: 2,
  /** Invalid configuration, NATS unreachable, or a needed stream missing. */
  unavailable: 3,
  /** The dead letter or other named item does not exist. */
  notFound: 4,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** An error that ends a command with a given exit code and a message. */
export class CliError extends Error {
  override name = "CliError";
  readonly exitCode: ExitCode;

  constructor(exitCode: ExitCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.exitCode = exitCode;
  }
}
