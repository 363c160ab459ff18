/** Headers on every dead letter; the CLI reads them to list and replay. */
export const deadLetterHeaders = {
  jobType: "Axumkit-Job-Type",
  originalSubject: "Axumkit-Original-Subject",
  streamSequence: "Axumkit-Stream-Sequence",
  deliveryCount: "Axumkit-Delivery-Count",
  lastError: "Axumkit-Last-Error",
  failedAt: "Axumkit-Failed-At",
  /** `invalid` payload, `permanent` failure or `exhausted` retries. */
  failureKind: "Axumkit-Failure-Kind",
} as const;

export type FailureKind = "invalid" | "permanent" | "exhausted";
