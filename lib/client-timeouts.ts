/** Connection and request timeouts of one HTTP client, in milliseconds. */
export interface ClientTimeouts {
  connectionMs: number;
  requestMs: number;
}

/**
 * Timeouts of the S3, SES and Meilisearch clients of the job functions.
 * Every job type's function timeout is 20 s (lib/jobs/catalogue.ts), and
 * the AWS SDK makes up to 3 attempts by default, so three 5 s requests and
 * their backoff end before it. A stuck endpoint then fails the record with
 * the client's own timeout error instead of hanging the function.
 */
export const jobClientTimeouts: ClientTimeouts = {
  connectionMs: 2_000,
  requestMs: 5_000,
};

/**
 * Timeouts of the crons' S3 clients. Their function timeouts are 300 s and
 * more, and a sitemap upload may take tens of seconds on a slow link.
 */
export const cronClientTimeouts: ClientTimeouts = {
  connectionMs: 5_000,
  requestMs: 60_000,
};

/**
 * The options of the AWS SDK's Node.js HTTP handler
 * (`@smithy/node-http-handler`) for the given timeouts.
 */
export function awsRequestHandler(timeouts: ClientTimeouts) {
  return {
    connectionTimeout: timeouts.connectionMs,
    requestTimeout: timeouts.requestMs,
    // Without it a request past its timeout only logs a warning.
    throwOnRequestTimeout: true,
  };
}
