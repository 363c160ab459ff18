import { type JobTypeName, jobCatalogue } from "./catalogue.ts";

/** Prefixes that turn catalogue suffixes into subjects and stream names. */
export interface Naming {
  /** Default `axumkit.jobs`. */
  subjectPrefix: string;
  /** Default `axumkit_jobs`. */
  streamPrefix: string;
  /** Dead-letter stream, default `axumkit_jobs_dlq`. */
  deadLetterStream: string;
  /** Dead-letter subjects are `<prefix>.<job type>`, default `axumkit.dlq`. */
  deadLetterSubjectPrefix: string;
}

export const defaultNaming: Naming = {
  subjectPrefix: "axumkit.jobs",
  streamPrefix: "axumkit_jobs",
  deadLetterStream: "axumkit_jobs_dlq",
  deadLetterSubjectPrefix: "axumkit.dlq",
};

/** Subject, stream and consumer of one job type under the given naming. */
export interface JobAddress {
  jobType: JobTypeName;
  subject: string;
  stream: string;
  consumer: string;
  deadLetterSubject: string;
}

export function addressOf(jobType: JobTypeName, naming: Naming): JobAddress {
  const entry = jobCatalogue[jobType];
  return {
    jobType,
    subject: `${naming.subjectPrefix}.${entry.subjectSuffix}`,
    stream: `${naming.streamPrefix}_${entry.streamSuffix}`,
    consumer: entry.consumer,
    deadLetterSubject: `${naming.deadLetterSubjectPrefix}.${jobType}`,
  };
}
