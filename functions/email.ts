import { type EmailConfig, readEmailConfig } from "../lib/config/email.ts";
import { EnvReader, type EnvSource } from "../lib/config/env-reader.ts";
import { compiledTemplates } from "../lib/email/compiled-templates.ts";
import { createEmailJobContext } from "../lib/email/context.ts";
import {
  type EmailJobContext,
  sendEmailJob,
} from "../lib/email/send-email-job.ts";
import type { CompiledTemplates } from "../lib/email/templates.ts";
import {
  createJobHandler,
  forEachRecord,
  type JobHandler,
} from "../lib/functions/job-handler.ts";
import type { Logger } from "../lib/log.ts";

// The templates come precompiled from `npm run build:templates`; this
// module must not import mjml, which would add its load time to every
// cold start.

export function createHandler(source: EnvSource = process.env): JobHandler {
  return createJobHandler({
    jobType: "email",
    setup: async (logger) => {
      const context = createEmailContext(source, compiledTemplates, logger);
      return forEachRecord((job, record) => sendEmailJob(context, job, record));
    },
  });
}

/**
 * Reads the settings and builds the clients and renderer: the setup the
 * handler runs on its first job. The cold-start benchmark calls it with
 * templates compiled at run time as well.
 */
export function createEmailContext(
  source: EnvSource,
  templates: CompiledTemplates,
  logger: Logger,
): EmailJobContext {
  const env = new EnvReader(source);
  const config = readSettings(env);
  env.assertValid();
  return createEmailJobContext(config, templates, logger);
}

/** Reads this function's settings, recording problems in `env`. */
export function readSettings(env: EnvReader): EmailConfig {
  return readEmailConfig(env);
}

export const handler = createHandler();
