import { readEmailConfig } from "../lib/config/email.ts";
import { EnvReader, type EnvSource } from "../lib/config/env-reader.ts";
import { compiledTemplates } from "../lib/email/compiled-templates.ts";
import { createEmailJobContext } from "../lib/email/context.ts";
import { sendEmailJob } from "../lib/email/send-email-job.ts";
import {
  createJobHandler,
  forEachRecord,
  type JobHandler,
} from "../lib/functions/job-handler.ts";

// The templates come precompiled from `npm run build:templates`; this
// module must not import mjml, which would add its load time to every
// cold start.

export function createHandler(source: EnvSource = process.env): JobHandler {
  return createJobHandler({
    jobType: "email",
    setup: async (logger) => {
      const env = new EnvReader(source);
      const config = readEmailConfig(env);
      env.assertValid();

      const context = createEmailJobContext(config, compiledTemplates, logger);
      return forEachRecord((job, record) => sendEmailJob(context, job, record));
    },
  });
}

export const handler = createHandler();
