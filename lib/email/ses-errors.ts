import { PermanentJobError } from "../errors.ts";

// Which SES failures a retry can fix. SES's query API reports throttling as
// HTTP 400 with the code `Throttling`, so the code is checked before the
// status.

const retryableCodes = new Set([
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "RequestThrottled",
  "ExpiredToken",
  "ExpiredTokenException",
  "RequestExpired",
  "RequestTimeout",
  "RequestTimeoutException",
]);

/** SES did not take the mail; a later attempt may succeed. */
export class SesUnavailableError extends Error {
  override name = "SesUnavailableError";
  readonly code: string;
  readonly httpStatus: number | undefined;

  constructor(code: string, httpStatus: number | undefined, cause: unknown) {
    super(
      `SES send failed (${describe(code, httpStatus, cause)}), will retry`,
      {
        cause,
      },
    );
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

/**
 * SES rejected the mail itself (MessageRejected, an invalid address, an
 * unverified sender): sending it again gets the same rejection.
 */
export class SesRejectedError extends PermanentJobError {
  override name = "SesRejectedError";
  readonly code: string;
  readonly httpStatus: number | undefined;

  constructor(code: string, httpStatus: number | undefined, cause: unknown) {
    super(`SES rejected the mail (${describe(code, httpStatus, cause)})`, {
      cause,
    });
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

/**
 * Classifies an error from `SESClient.send`. Throttling, 5xx and errors
 * with no HTTP response (network, timeouts) are retryable; any other 4xx is
 * a rejection.
 */
export function classifySesError(
  error: unknown,
): SesUnavailableError | SesRejectedError {
  const code = (error as { name?: string }).name ?? "Error";
  const httpStatus = (error as { $metadata?: { httpStatusCode?: number } })
    .$metadata?.httpStatusCode;

  const retryable =
    retryableCodes.has(code) ||
    httpStatus === undefined ||
    httpStatus === 429 ||
    httpStatus >= 500;
  return retryable
    ? new SesUnavailableError(code, httpStatus, error)
    : new SesRejectedError(code, httpStatus, error);
}

function describe(
  code: string,
  httpStatus: number | undefined,
  cause: unknown,
): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  const status =
    httpStatus === undefined ? "no response" : `HTTP ${httpStatus}`;
  return `${code}, ${status}: ${message}`;
}
