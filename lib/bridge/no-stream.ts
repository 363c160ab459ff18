/**
 * A JetStream publish that no stream stored because no stream captures
 * its subject.
 */
export class NoStreamError extends Error {
  override name = "NoStreamError";
  readonly subject: string;

  constructor(subject: string, options?: ErrorOptions) {
    super(`no stream captures subject ${subject}`, options);
    this.subject = subject;
  }
}

/**
 * Returns the error a JetStream publish to `subject` threw, with a
 * no-responders failure turned into a NoStreamError. nats.js 3.4.0 reports
 * a publish that no stream answers as "jetstream is not enabled"
 * (JetStreamNotEnabled), which misleads when JetStream runs but no stream
 * captures the subject.
 */
export function toPublishError(thrown: unknown, subject: string): unknown {
  if (thrown instanceof Error && thrown.name === "JetStreamNotEnabled") {
    return new NoStreamError(subject, { cause: thrown });
  }
  return thrown;
}
