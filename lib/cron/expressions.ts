import type { WeeklySchedule } from "./catalogue.ts";

/**
 * The EventBridge Scheduler expression: six fields, minute hour
 * day-of-month month day-of-week year, where one of the two day fields must
 * be `?`. Saturday 04:00 gives `cron(0 4 ? * SAT *)`.
 */
export function eventBridgeExpression(schedule: WeeklySchedule): string {
  const { minute, hour, dayOfWeek } = checked(schedule);
  return `cron(${minute} ${hour} ? * ${dayOfWeek} *)`;
}

/**
 * The local scheduler's (croner's) five-field expression, minute hour
 * day-of-month month day-of-week. Saturday 04:00 gives `0 4 * * SAT`.
 */
export function localExpression(schedule: WeeklySchedule): string {
  const { minute, hour, dayOfWeek } = checked(schedule);
  return `${minute} ${hour} * * ${dayOfWeek}`;
}

function checked(schedule: WeeklySchedule): WeeklySchedule {
  const { hour, minute } = schedule;
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) {
    throw new RangeError(`schedule hour must be 0-23, got ${hour}`);
  }
  if (!Number.isInteger(minute) || minute < 0 || minute > 59) {
    throw new RangeError(`schedule minute must be 0-59, got ${minute}`);
  }
  return schedule;
}
