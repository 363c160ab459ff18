/**
 * A failure that retrying cannot fix: bad input, or a referenced object that
 * can never appear. The bridge dead-letters the job at once. Any other error
 * a function throws is retryable.
 */
export class PermanentJobError extends Error {
  override name = "PermanentJobError";
}

/** Invalid or missing configuration; lists every problem at once. */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const unique = [...new Set(problems)];
    super(`invalid configuration:\n  ${unique.join("\n  ")}`);
    this.problems = unique;
  }
}

/** Turns whatever was thrown into an Error, keeping the original as cause. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(String(thrown), { cause: thrown });
}

/** Whether a thrown value marks a permanent failure. */
export function isPermanent(thrown: unknown): boolean {
  return thrown instanceof PermanentJobError;
}
