import {
  type JobType,
  type JobTypeName,
  jobCatalogue,
  jobTypeNames,
} from "../lib/jobs/catalogue.ts";
import type { Link, SettingsLinks } from "./links.ts";
import { type Secrets, secret } from "./secrets.ts";
import type { DeploySettings } from "./settings.ts";
import type { StorageAccess } from "./storage.ts";

/** The components that function links are chosen from. */
export interface LinkSources {
  secrets: Secrets;
  storage: StorageAccess;
  links: SettingsLinks;
}

/**
 * The links of each job function: all it may reach, and nothing more. A job type missing
 * here fails the type check of `infra/`.
 */
const jobFunctionLinks: Record<JobTypeName, (sources: LinkSources) => Link[]> =
  {
    email: ({ secrets, links }) => [
      links.emailSending,
      secret(secrets, "UpstashRedisRestUrl"),
      secret(secrets, "UpstashRedisRestToken"),
    ],
    "index-post": ({ secrets, storage, links }) => [
      secret(secrets, "DatabaseUrl"),
      storage.contentRead,
      links.search,
      secret(secrets, "MeilisearchApiKey"),
    ],
    "index-user": ({ secrets, links }) => [
      secret(secrets, "DatabaseUrl"),
      links.search,
      secret(secrets, "MeilisearchApiKey"),
    ],
    "reindex-posts": ({ secrets, storage, links }) => [
      secret(secrets, "DatabaseUrl"),
      storage.contentRead,
      links.search,
      secret(secrets, "MeilisearchApiKey"),
    ],
    "reindex-users": ({ secrets, links }) => [
      secret(secrets, "DatabaseUrl"),
      links.search,
      secret(secrets, "MeilisearchApiKey"),
    ],
    "delete-content": ({ storage }) => [storage.contentDelete],
  };

/** Function runtime settings shared by job and cron functions. */
export const functionDefaults = {
  runtime: "nodejs24.x",
  architecture: "arm64",
  nodejs: { format: "esm", minify: true, sourcemap: true },
} as const;

/** Returns the component name of a catalogue entry: `index-post` gives `IndexPost`. */
export function componentName(name: string): string {
  return name
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

/** The `handler` of a function module under `functions/`. */
export function handlerPath(functionModule: string): string {
  return `functions/${functionModule}.handler`;
}

/**
 * Creates one Lambda function per job type in the catalogue. The bridge is
 * the only caller and the only retrier, so Lambda's own retries are off,
 * and reserved concurrency caps each function at what the bridge tasks can
 * run at once.
 */
export function createJobFunctions(
  settings: DeploySettings,
  sources: LinkSources,
): Record<JobTypeName, sst.aws.Function> {
  const functions = {} as Record<JobTypeName, sst.aws.Function>;
  for (const name of jobTypeNames) {
    functions[name] = jobFunction(jobCatalogue[name], settings, sources);
  }
  return functions;
}

function jobFunction(
  jobType: JobType,
  settings: DeploySettings,
  sources: LinkSources,
): sst.aws.Function {
  const name = jobType.name as JobTypeName;
  return new sst.aws.Function(`${componentName(name)}Function`, {
    ...functionDefaults,
    description: `axumkit-worker ${name} jobs`,
    handler: handlerPath(jobType.functionModule),
    timeout: `${jobType.timeoutSeconds} seconds`,
    memory: `${jobType.memoryMb} MB`,
    retries: 0,
    concurrency: {
      reserved: jobType.concurrency * settings.bridge.maxTasks,
    },
    link: jobFunctionLinks[name](sources),
  });
}
