import { SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import type { SesConfig } from "../config/email.ts";
import { classifySesError } from "./ses-errors.ts";

/** A mail ready for SES. */
export interface OutgoingEmail {
  /** The formatted From mailbox, see `formatMailbox`. */
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
}

export function createSesClient(config: SesConfig): SESClient {
  return new SESClient({
    region: config.region,
    endpoint: config.endpoint,
    credentials: config.credentials,
  });
}

/**
 * Sends one mail with HTML and text parts in UTF-8 and returns the SES
 * message id. Failures are thrown as SesUnavailableError (retryable) or
 * SesRejectedError (permanent).
 */
export async function sendWithSes(
  client: SESClient,
  mail: OutgoingEmail,
): Promise<string> {
  const command = new SendEmailCommand({
    Source: mail.from,
    Destination: { ToAddresses: [mail.to] },
    Message: {
      Subject: { Data: mail.subject, Charset: "UTF-8" },
      Body: {
        Html: { Data: mail.html, Charset: "UTF-8" },
        Text: { Data: mail.text, Charset: "UTF-8" },
      },
    },
  });

  try {
    const output = await client.send(command);
    return output.MessageId ?? "";
  } catch (error) {
    throw classifySesError(error);
  }
}
