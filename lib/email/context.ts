import type { EmailConfig } from "../config/email.ts";
import type { Logger } from "../log.ts";
import { createRedisClient } from "../redis/client.ts";
import { formatMailbox } from "./address.ts";
import { EmailRenderer } from "./render.ts";
import type { EmailJobContext } from "./send-email-job.ts";
import { SendOnceLedger } from "./send-once.ts";
import { createSesClient } from "./ses-sender.ts";
import type { CompiledTemplates } from "./templates.ts";

const secondsPerDay = 86_400;

/** Builds the clients and the renderer of the email function. */
export function createEmailJobContext(
  config: EmailConfig,
  templates: CompiledTemplates,
  logger: Logger,
): EmailJobContext {
  return {
    renderer: new EmailRenderer(templates, config),
    ses: createSesClient(config.ses),
    ledger: new SendOnceLedger(createRedisClient(config.redis), {
      sentTtlSeconds: config.sentKeyTtlDays * secondsPerDay,
    }),
    from: formatMailbox(config.fromName, config.fromEmail),
    logger,
  };
}
