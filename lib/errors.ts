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
  return new Error(describeThrown(thrown), { cause: thrown });
}

/**
 * Describes a thrown value that is not an Error. `String()` alone throws on
 * an object without a prototype and gives "[object Object]" for others.
 */
function describeThrown(thrown: unknown): string {
  if (typeof thrown === "string") return thrown;
  if (typeof thrown !== "object" || thrown === null) return String(thrown);

  const message: unknown = (thrown as { message?: unknown }).message;
  if (typeof message === "string") return message;
  try {
    const json = JSON.stringify(thrown);
    if (json !== undefined) return `non-Error value thrown: ${json}`;
  } catch {
    // A cyclic or BigInt-holding object falls through to its tag.
  }
  return `non-Error value thrown: ${Object.prototype.toString.call(thrown)}`;
}

/** Whether a thrown value marks a permanent failure. */
export function isPermanent(thrown: unknown): boolean {
  return thrown instanceof PermanentJobError;
}
