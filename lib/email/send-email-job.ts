import type { JobRecord } from "../contract.ts";
import { PermanentJobError } from "../errors.ts";
import type { EmailJob } from "../jobs/schemas.ts";
import type { Logger } from "../log.ts";
import { isValidEmailAddress } from "./address.ts";
import type { EmailRenderer } from "./render.ts";
import type { SendOnceLedger } from "./send-once.ts";
import { type SesClientSource, sendWithSes } from "./ses-sender.ts";

/** Clients and settings of the email function, built once per cold start. */
export interface EmailJobContext {
  renderer: EmailRenderer;
  /** The SES client, created on the first send. */
  ses: SesClientSource;
  ledger: SendOnceLedger;
  /** The formatted From mailbox. */
  from: string;
  logger: Logger;
}

/** The recipient is not an address SES can send to. */
export class InvalidRecipientError extends PermanentJobError {
  override name = "InvalidRecipientError";

  constructor(address: string) {
    super(`recipient "${address}" is not a valid email address`);
  }
}

/** Another delivery of the same job has claimed the send and not finished. */
export class SendInProgressError extends Error {
  override name = "SendInProgressError";

  constructor(recordId: string) {
    super(
      `email of ${recordId} is being sent by another delivery; retry later`,
    );
  }
}

/**
 * Renders and sends one email job, unless an earlier delivery's mail was
 * already accepted. The recipient and template are checked before the
 * claim, so a job that can never be sent leaves no key behind. A failed
 * send releases the claim and rethrows.
 */
export async function sendEmailJob(
  context: EmailJobContext,
  job: EmailJob,
  record: JobRecord,
): Promise<void> {
  if (!isValidEmailAddress(job.to)) throw new InvalidRecipientError(job.to);
  const body = await context.renderer.render(job.template);
  const key = context.ledger.keyFor(record);

  const claim = await context.ledger.claim(key);
  if (claim.status === "sent") {
    context.logger.info(
      { recordId: record.id, messageId: claim.messageId },
      "email already sent, not sending again",
    );
    return;
  }
  if (claim.status === "in-progress") throw new SendInProgressError(record.id);

  let messageId: string;
  try {
    messageId = await sendWithSes(await context.ses(), {
      from: context.from,
      to: job.to,
      subject: job.subject,
      ...body,
    });
  } catch (error) {
    await claim.release().catch((releaseError: unknown) => {
      context.logger.warn(
        { err: releaseError, recordId: record.id },
        "send claim not released; a retry waits for it to expire",
      );
    });
    throw error;
  }

  await markSent(context, key, messageId, record.id);
  context.logger.info({ recordId: record.id, messageId }, "email sent");
}

/**
 * Marks the key sent. A failure here is logged, not thrown: SES already
 * took the mail, and a retry would send it a second time once the claim
 * expires.
 */
async function markSent(
  context: EmailJobContext,
  key: string,
  messageId: string,
  recordId: string,
): Promise<void> {
  try {
    await context.ledger.markSent(key, messageId);
  } catch (error) {
    context.logger.error(
      { err: error, recordId, messageId },
      "email sent but not marked as sent in Redis",
    );
  }
}
