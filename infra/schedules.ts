import {
  type CronJob,
  type CronName,
  cronCatalogue,
  cronNames,
} from "../lib/cron/catalogue.ts";
import { eventBridgeExpression } from "../lib/cron/expressions.ts";
import {
  componentName,
  functionDefaults,
  handlerPath,
  type LinkSources,
} from "./functions.ts";
import type { Link } from "./links.ts";
import { secret } from "./secrets.ts";
import type { DeploySettings } from "./settings.ts";

/**
 * The links of each cron function. Every cron takes its overlap lock in
 * Redis, so each one is linked to the Upstash secrets.
 */
const cronFunctionLinks: Record<CronName, (sources: LinkSources) => Link[]> = {
  cleanup: ({ secrets, links }) => [
    secret(secrets, "DatabaseUrl"),
    links.cleanup,
    secret(secrets, "UpstashRedisRestUrl"),
    secret(secrets, "UpstashRedisRestToken"),
  ],
  sitemap: ({ secrets, storage, links }) => [
    secret(secrets, "DatabaseUrl"),
    storage.publicWrite,
    links.sitemap,
    secret(secrets, "UpstashRedisRestUrl"),
    secret(secrets, "UpstashRedisRestToken"),
  ],
  "orphan-scan": ({ secrets, storage, links }) => [
    secret(secrets, "DatabaseUrl"),
    storage.contentScan,
    links.orphanScan,
    secret(secrets, "UpstashRedisRestUrl"),
    secret(secrets, "UpstashRedisRestToken"),
  ],
};

/**
 * Retries of a schedule whose invocation EventBridge Scheduler could not
 * deliver. After the last one the event goes to the dead-letter queue.
 */
export const scheduleRetries = 3;

/**
 * Lambda's own retries of an asynchronous invocation that failed. A retried
 * run is safe: the overlap lock keeps two runs apart and each cron's work
 * can be done twice.
 */
export const cronFunctionRetries = 2;

export interface Schedules {
  functions: Record<CronName, sst.aws.Function>;
  deadLetterQueue: sst.aws.Queue;
}

/**
 * Creates a function and an EventBridge Scheduler schedule per cron in the
 * catalogue, run in `CRON_TIMEZONE`, with one dead-letter queue for the
 * invocations that could not be delivered.
 */
export function createSchedules(
  settings: DeploySettings,
  sources: LinkSources,
): Schedules {
  const deadLetterQueue = new sst.aws.Queue("ScheduleDeadLetterQueue");
  const functions = {} as Record<CronName, sst.aws.Function>;

  for (const name of cronNames) {
    const cron: CronJob = cronCatalogue[name];
    const fn = cronFunction(name, cron, sources);
    new sst.aws.CronV2(`${componentName(name)}Schedule`, {
      function: fn,
      schedule: eventBridgeExpression(cron.schedule) as `cron(${string})`,
      timezone: settings.cronTimeZone,
      retries: scheduleRetries,
      dlq: deadLetterQueue.arn,
    });
    functions[name] = fn;
  }

  return { functions, deadLetterQueue };
}

function cronFunction(
  name: CronName,
  cron: CronJob,
  sources: LinkSources,
): sst.aws.Function {
  return new sst.aws.Function(`${componentName(name)}Function`, {
    ...functionDefaults,
    description: `axumkit-worker ${name} cron`,
    handler: handlerPath(cron.functionModule),
    timeout: `${cron.timeoutSeconds} seconds`,
    memory: `${cron.memoryMb} MB`,
    retries: cronFunctionRetries,
    link: cronFunctionLinks[name](sources),
  });
}
