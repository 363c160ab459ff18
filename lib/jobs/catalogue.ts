import type { z } from "zod";
import {
  deleteContentJobSchema,
  emailJobSchema,
  indexPostJobSchema,
  indexUserJobSchema,
  reindexJobSchema,
} from "./schemas.ts";

/**
 * One job type: where its jobs arrive, how the bridge consumes them and which
 * function runs them. Subjects and streams are suffixes; the configured
 * prefixes (default `axumkit.jobs` and `axumkit_jobs`) complete them.
 */
export interface JobType<Schema extends z.ZodType = z.ZodType> {
  name: string;
  /** Appended to the subject prefix: `email` gives `axumkit.jobs.email`. */
  subjectSuffix: string;
  /** Appended to the stream prefix: `email` gives `axumkit_jobs_email`. */
  streamSuffix: string;
  /** Durable pull consumer name, the one the Rust worker binds. */
  consumer: string;
  /** Maximum batches one bridge replica runs at once. */
  concurrency: number;
  /** Maximum records handed to one function invocation. */
  batchSize: number;
  /** How long a batch waits for more records before it is sent, in ms. */
  batchWindowMs: number;
  /** Module under `functions/` (without extension) exporting `handler`. */
  functionModule: string;
  /** Function timeout; the bridge's invoke timeout is set above it. */
  timeoutSeconds: number;
  memoryMb: number;
  schema: Schema;
}

function defineJobType<Schema extends z.ZodType>(
  jobType: JobType<Schema>,
): JobType<Schema> {
  return jobType;
}

export const jobCatalogue = {
  email: defineJobType({
    name: "email",
    subjectSuffix: "email",
    streamSuffix: "email",
    consumer: "email-consumer",
    concurrency: 2,
    batchSize: 1,
    batchWindowMs: 0,
    functionModule: "email",
    timeoutSeconds: 20,
    memoryMb: 256,
    schema: emailJobSchema,
  }),
  "index-post": defineJobType({
    name: "index-post",
    subjectSuffix: "index.post",
    streamSuffix: "index_post",
    consumer: "post-index-consumer",
    concurrency: 4,
    batchSize: 25,
    batchWindowMs: 50,
    functionModule: "index-post",
    timeoutSeconds: 20,
    memoryMb: 512,
    schema: indexPostJobSchema,
  }),
  "index-user": defineJobType({
    name: "index-user",
    subjectSuffix: "index.user",
    streamSuffix: "index_user",
    consumer: "user-index-consumer",
    concurrency: 2,
    batchSize: 25,
    batchWindowMs: 50,
    functionModule: "index-user",
    timeoutSeconds: 20,
    memoryMb: 256,
    schema: indexUserJobSchema,
  }),
  "reindex-posts": defineJobType({
    name: "reindex-posts",
    subjectSuffix: "reindex.posts",
    streamSuffix: "reindex_posts",
    consumer: "reindex-posts-consumer",
    concurrency: 1,
    batchSize: 1,
    batchWindowMs: 0,
    functionModule: "reindex-posts",
    timeoutSeconds: 20,
    memoryMb: 1024,
    schema: reindexJobSchema,
  }),
  "reindex-users": defineJobType({
    name: "reindex-users",
    subjectSuffix: "reindex.users",
    streamSuffix: "reindex_users",
    consumer: "reindex-users-consumer",
    concurrency: 1,
    batchSize: 1,
    batchWindowMs: 0,
    functionModule: "reindex-users",
    timeoutSeconds: 20,
    memoryMb: 512,
    schema: reindexJobSchema,
  }),
  "delete-content": defineJobType({
    name: "delete-content",
    subjectSuffix: "storage.delete_content",
    streamSuffix: "delete_content",
    consumer: "delete-content-consumer",
    concurrency: 4,
    batchSize: 1,
    batchWindowMs: 0,
    functionModule: "delete-content",
    timeoutSeconds: 20,
    memoryMb: 256,
    schema: deleteContentJobSchema,
  }),
} as const;

export type JobTypeName = keyof typeof jobCatalogue;

export type JobOf<Name extends JobTypeName> = z.output<
  (typeof jobCatalogue)[Name]["schema"]
>;

export const jobTypeNames = Object.keys(jobCatalogue) as JobTypeName[];

export function isJobTypeName(name: string): name is JobTypeName {
  return Object.hasOwn(jobCatalogue, name);
}
