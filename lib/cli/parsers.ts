import { InvalidArgumentError } from "commander";

/** Option parser for a whole number of seconds, 0 or more. */
export function parseSeconds(value: string): number {
  return parseWholeNumber(value, 0, "seconds");
}

/** Option parser for a count of 1 or more. */
export function parsePositiveInteger(value: string): number {
  return parseWholeNumber(value, 1, "a whole number");
}

/** Argument parser for a stream sequence. */
export function parseSequence(value: string): number {
  return parseWholeNumber(value, 1, "a stream sequence");
}

/**
 * Option parser for a point in time: an ISO 8601 time, or a duration back
 * from now such as `90s`, `15m`, `2h` or `3d`.
 */
export function parseSince(value: string, now = Date.now()): Date {
  const relative = /^(\d+)(s|m|h|d)$/.exec(value);
  if (relative !== null) {
    const unitMs = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
    const amount = Number(relative[1]);
    const unit = relative[2] as keyof typeof unitMs;
    return checkedStartTime(value, now - amount * unitMs[unit]);
  }

  const time = Date.parse(value);
  if (Number.isNaN(time)) {
    throw new InvalidArgumentError(
      `expected an ISO 8601 time or a duration such as 15m, 2h or 3d, got "${value}"`,
    );
  }
  return checkedStartTime(value, time);
}

/**
 * Latest start time nats-server handles: it compares times as int64
 * nanoseconds since the Unix epoch, which end at 2262-04-11T23:47:16.854Z.
 */
const latestStartTime = 9_223_372_036_854;

/**
 * Rejects a start time that nats-server cannot use. Later than
 * `latestStartTime`, it selects every message or fails as "invalid JSON"
 * when the year has more than four digits. A time before the Unix epoch
 * comes from an overflowing duration or a typo.
 */
function checkedStartTime(value: string, time: number): Date {
  if (!Number.isFinite(time) || time < 0 || time > latestStartTime) {
    throw new InvalidArgumentError(
      `"${value}" is outside 1970-01-01T00:00:00Z to 2262-04-11T23:47:16Z; give a time in that range or a shorter duration`,
    );
  }
  return new Date(time);
}

function parseWholeNumber(value: string, min: number, what: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < min) {
    throw new InvalidArgumentError(
      `expected ${what} of at least ${min}, got "${value}"`,
    );
  }
  return number;
}
