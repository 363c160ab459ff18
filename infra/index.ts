import type { EnvSource } from "../lib/config/env-reader.ts";
import { createBridge } from "./bridge.ts";
import { createJobFunctions } from "./functions.ts";
import { createSettingsLinks } from "./links.ts";
import { createSchedules } from "./schedules.ts";
import { createSecrets } from "./secrets.ts";
import { readDeploySettings } from "./settings.ts";
import { createStorage } from "./storage.ts";

/**
 * Creates the whole app for one stage: secrets, bucket access, a function
 * per job type, a scheduled function per cron, and the bridge service.
 * Returns the outputs `sst deploy` prints.
 */
export function deployApp(environment: EnvSource) {
  const settings = readDeploySettings(environment);
  const secrets = createSecrets(settings);
  const sources = {
    secrets,
    storage: createStorage(settings, secrets),
    links: createSettingsLinks(settings),
  };

  const jobFunctions = createJobFunctions(settings, sources);
  const schedules = createSchedules(settings, sources);
  const bridge = createBridge(settings, secrets, jobFunctions);

  return {
    bridgeService: bridge.service.service,
    scheduleDeadLetterQueue: schedules.deadLetterQueue.url,
    jobFunctions: Object.fromEntries(
      Object.entries(jobFunctions).map(([name, fn]) => [name, fn.name]),
    ),
  };
}
