import { z } from "zod";
import { externallyTagged } from "./tagged-enum.ts";

// Payload schemas for the JSON the Rust server publishes. They follow serde's
// defaults: unknown fields are ignored (zod objects strip them), `Option` is
// `null`, unit variants are bare strings, other enums are externally tagged.

/** Error text for a value of the wrong type, or "is missing" when absent. */
function expected(what: string) {
  return (issue: { input: unknown }) =>
    issue.input === undefined ? "is missing" : `must be ${what}`;
}

const uuid = z.guid({ error: expected("a UUID string") });

const nonNegativeInteger = z
  .number({ error: expected("a number") })
  .int({ error: "must be an integer" })
  .nonnegative({ error: "must not be negative" });

const text = z.string({ error: expected("a string") });

const tokenMail = z.object({
  username: text,
  token: text,
  valid_minutes: nonNegativeInteger,
});

export const emailTemplateSchema = externallyTagged({
  Verification: tokenMail,
  PasswordReset: z.object({
    handle: text,
    token: text,
    valid_minutes: nonNegativeInteger,
  }),
  EmailChange: tokenMail,
  Custom: z.object({ html_content: text }),
});

export const emailJobSchema = z.object({
  to: text.min(1, { error: "must not be empty" }),
  subject: text,
  template: emailTemplateSchema,
});

export const indexActionSchema = z.enum(["Index", "Delete"], {
  error: expected('"Index" or "Delete"'),
});

export const indexPostJobSchema = z.object({
  post_id: uuid,
  action: indexActionSchema,
});

export const indexUserJobSchema = z.object({
  user_id: uuid,
  action: indexActionSchema,
});

/** Rows per reindex batch when the job leaves `batch_size` out. */
export const defaultReindexBatchSize = 10_000;

export const reindexJobSchema = z.object({
  after_id: uuid.nullable().default(null),
  batch_size: nonNegativeInteger
    .min(1, { error: "must be at least 1" })
    .max(100_000, { error: "must be at most 100000" })
    .default(defaultReindexBatchSize),
  reindex_id: uuid,
  batch_number: nonNegativeInteger,
  /**
   * Rows the earlier batches of this reindex skipped because they could not
   * be indexed. The app server leaves it out of the first batch; each batch
   * passes the running total on to the next, where `jobs reindex` reads it.
   */
  failed_rows: nonNegativeInteger.optional(),
});

export const deleteContentJobSchema = z.object({
  storage_keys: z.array(text, {
    error: expected("an array of strings"),
  }),
});

export type EmailJob = z.output<typeof emailJobSchema>;
export type EmailTemplate = z.output<typeof emailTemplateSchema>;
export type IndexAction = z.output<typeof indexActionSchema>;
export type IndexPostJob = z.output<typeof indexPostJobSchema>;
export type IndexUserJob = z.output<typeof indexUserJobSchema>;
export type ReindexJob = z.output<typeof reindexJobSchema>;
export type DeleteContentJob = z.output<typeof deleteContentJobSchema>;
