// EventBridge Scheduler takes an IANA name such as `Europe/Amsterdam`, not
// an offset such as `+01:00`, although JavaScript's Intl accepts both.
const ianaNamePattern = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/**
 * Returns why `name` is not a usable IANA time zone name, or undefined when
 * it is. The check asks the runtime's time zone data (Intl), the same data
 * the local scheduler computes run times with.
 */
export function invalidTimeZoneReason(name: string): string | undefined {
  if (!ianaNamePattern.test(name)) {
    return `"${name}" is not an IANA time zone name such as Europe/Amsterdam`;
  }
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
  } catch {
    return `"${name}" is not a known IANA time zone`;
  }
  return undefined;
}

const wallClockFormats = new Map<string, Intl.DateTimeFormat>();

/** The local date and time at `instant` in `timeZone`, `YYYY-MM-DDTHH:mm:ss`. */
export function wallClock(instant: Date, timeZone: string): string {
  let format = wallClockFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    wallClockFormats.set(timeZone, format);
  }

  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(instant)) {
    parts[part.type] = part.value;
  }
  const year = (parts.year ?? "").padStart(4, "0");
  return `${year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

/** Minutes `timeZone` is ahead of UTC at `instant`. */
export function utcOffsetMinutes(instant: Date, timeZone: string): number {
  const local = Date.parse(`${wallClock(instant, timeZone)}Z`);
  const utc = Math.floor(instant.getTime() / 1_000) * 1_000;
  return Math.round((local - utc) / 60_000);
}
