import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  createSstDoubles,
  installGlobals,
  type Recorded,
} from "./sst-doubles.ts";

interface AppConfig {
  app(input: { stage: string }): Record<string, unknown>;
  run(): Promise<Record<string, unknown>>;
}

export interface EvaluatedApp {
  app: Record<string, unknown>;
  outputs: Record<string, unknown>;
  recorded: Recorded[];
}

// Imported through a computed URL so the project's type check (which has
// no SST globals) does not follow it into sst.config.ts.
const configUrl = pathToFileURL(
  join(import.meta.dirname, "../..", "sst.config.ts"),
).href;

/** Returns the settings of a complete S3 deployment, as `.env` gives them. */
export function deployEnvironment(): Record<string, string> {
  return {
    AWS_REGION: "eu-west-1",
    NATS_URL: "tls://nats.example.net:4222",
    NATS_AUTH: "token",
    CRON_TIMEZONE: "Europe/Amsterdam",
    EMAILS_FROM_EMAIL: "noreply@mail.example.com",
    PROJECT_NAME: "Example",
    FRONTEND_HOST: "https://example.com",
    MEILISEARCH_HOST: "https://search.example.com",
    R2_PUBLIC_DOMAIN: "https://files.example.com",
    CONTENT_ALLOWED_PREFIXES: "posts/,drafts/",
    BRIDGE_MAX_TASKS: "3",
  };
}

/**
 * Evaluates `sst.config.ts` the way `sst deploy --stage <stage>` does: its
 * `app` and then its `run`, with the recording doubles as the SST globals
 * and `environment` as the whole process environment.
 */
export async function evaluateApp(
  stage: string,
  environment: Record<string, string>,
): Promise<EvaluatedApp> {
  const doubles = createSstDoubles(stage);
  const restoreGlobals = installGlobals(doubles.globals);
  const originalEnvironment = process.env;
  process.env = { ...environment };

  try {
    const config = (await import(configUrl)).default as AppConfig;
    const app = config.app({ stage });
    const outputs = await config.run();
    return { app, outputs, recorded: doubles.recorded };
  } finally {
    process.env = originalEnvironment;
    restoreGlobals();
  }
}

/** Returns the recorded components of one type. */
export function componentsOf(recorded: Recorded[], type: string): Recorded[] {
  return recorded.filter((entry) => entry.type === type);
}

/** Returns the one recorded component with this type and name. */
export function componentNamed(
  recorded: Recorded[],
  type: string,
  name: string,
): Recorded {
  const found = recorded.filter(
    (entry) => entry.type === type && entry.name === name,
  );
  if (found.length !== 1) {
    throw new Error(`expected one ${type} "${name}", found ${found.length}`);
  }
  return found[0] as Recorded;
}
