import type { EnvSource } from "../config/env-reader.ts";
import { type CronName, cronCatalogue } from "./catalogue.ts";
import type { CronHandler, CronResult } from "./cron-handler.ts";

/** The exports of every cron module under `functions/`. */
export interface CronModule {
  handler: CronHandler;
  createHandler(source: EnvSource): CronHandler;
}

/** Imports `functions/<module>.ts` of a cron and builds its handler. */
export async function loadCronHandler(
  name: CronName,
  source: EnvSource,
): Promise<CronHandler> {
  const moduleName = cronCatalogue[name].functionModule;
  const url = new URL(`../../functions/${moduleName}.ts`, import.meta.url);
  const module = (await import(url.href)) as CronModule;
  return module.createHandler(source);
}

/**
 * Runs one cron now, outside its schedule, with configuration from
 * `source`. It takes the same overlap lock as a scheduled run, so it returns
 * `skipped` while a run is in progress. A failed run rejects.
 */
export async function runCronNow(
  name: CronName,
  source: EnvSource = process.env,
): Promise<CronResult> {
  const handler = await loadCronHandler(name, source);
  return handler({ source: "manual", scheduledTime: new Date().toISOString() });
}
