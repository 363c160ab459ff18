import { jobTypeNames } from "../jobs/catalogue.ts";
import { addressOf, defaultNaming, type Naming } from "../jobs/naming.ts";
import type { EnvReader } from "./env-reader.ts";

// Subject tokens are split by "." and must not be empty. "*" and ">" are
// wildcards, and whitespace ends a subject in the NATS protocol.
const subjectPrefixPattern = /^[^\s.*>]+(\.[^\s.*>]+)*$/;

// JetStream rejects stream names with ".", "*", ">" or whitespace, and the
// server stores each stream under a folder of its name, so path
// separators are rejected too.
const streamNamePattern = /^[^\s.*>/\\]+$/;

/**
 * Reads the subject and stream names of the job and dead-letter streams,
 * rejecting names the server would refuse or that would mix dead letters
 * into the job streams.
 */
export function readNaming(env: EnvReader): Naming {
  const naming: Naming = {
    subjectPrefix: readSubjectPrefix(
      env,
      "JOB_SUBJECT_PREFIX",
      defaultNaming.subjectPrefix,
    ),
    streamPrefix: readStreamName(
      env,
      "JOB_STREAM_PREFIX",
      defaultNaming.streamPrefix,
    ),
    deadLetterStream: readStreamName(
      env,
      "DLQ_STREAM",
      defaultNaming.deadLetterStream,
    ),
    deadLetterSubjectPrefix: readSubjectPrefix(
      env,
      "DLQ_SUBJECT_PREFIX",
      defaultNaming.deadLetterSubjectPrefix,
    ),
  };

  if (overlaps(naming.subjectPrefix, naming.deadLetterSubjectPrefix)) {
    env.reject(
      `DLQ_SUBJECT_PREFIX "${naming.deadLetterSubjectPrefix}" must not equal or contain JOB_SUBJECT_PREFIX "${naming.subjectPrefix}", or the reverse; dead letters would land in job streams`,
    );
  }
  const jobStreams = jobTypeNames.map(
    (jobType) => addressOf(jobType, naming).stream,
  );
  if (jobStreams.includes(naming.deadLetterStream)) {
    env.reject(
      `DLQ_STREAM "${naming.deadLetterStream}" is the name of a job stream under JOB_STREAM_PREFIX "${naming.streamPrefix}"; choose another`,
    );
  }
  return naming;
}

function readSubjectPrefix(
  env: EnvReader,
  name: string,
  fallback: string,
): string {
  const prefix = env.string(name, fallback);
  if (!subjectPrefixPattern.test(prefix)) {
    env.reject(
      `${name} must be subject tokens joined by "." with no "*", ">", spaces or empty tokens, such as ${fallback}, got "${prefix}"`,
    );
  }
  return prefix;
}

function readStreamName(
  env: EnvReader,
  name: string,
  fallback: string,
): string {
  const stream = env.string(name, fallback);
  if (!streamNamePattern.test(stream)) {
    env.reject(
      `${name} must not contain ".", "*", ">", spaces, "/" or "\\", such as ${fallback}, got "${stream}"`,
    );
  }
  return stream;
}

/** Checks whether one subject prefix equals or is a token prefix of the other. */
function overlaps(first: string, second: string): boolean {
  return (
    first === second ||
    first.startsWith(`${second}.`) ||
    second.startsWith(`${first}.`)
  );
}
