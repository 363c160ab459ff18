import type { z } from "zod";
import { type JobTypeName, jobCatalogue } from "./catalogue.ts";

export type DecodeResult<Job> =
  | { ok: true; job: Job }
  | { ok: false; reason: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes a message body into a job of the given type. Returns the reason
 * when the body is not a valid payload; the reason names the failing field
 * (for example `template.Verification.valid_minutes: must not be negative`).
 */
export function decodeJob(
  jobType: JobTypeName,
  body: Uint8Array,
): DecodeResult<unknown> {
  if (body.length === 0) {
    return { ok: false, reason: "payload is empty" };
  }

  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, reason: "payload is not valid UTF-8" };
  }

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      reason: `payload is not valid JSON: ${(error as Error).message}`,
    };
  }

  return validateJob(jobType, value);
}

/** Checks an already parsed value against the job type's payload schema. */
export function validateJob(
  jobType: JobTypeName,
  value: unknown,
): DecodeResult<unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return {
      ok: false,
      reason: `payload must be a JSON object, got ${describeJsonType(value)}`,
    };
  }

  const parsed = jobCatalogue[jobType].schema.safeParse(value);
  if (!parsed.success) {
    return { ok: false, reason: formatIssues(parsed.error.issues) };
  }
  return { ok: true, job: parsed.data };
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join(".");
      return path === "" ? issue.message : `${path}: ${issue.message}`;
    })
    .join("; ");
}

function describeJsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}
