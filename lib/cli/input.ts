import { readFile } from "node:fs/promises";
import {
  isJobTypeName,
  type JobTypeName,
  jobTypeNames,
} from "../jobs/catalogue.ts";
import { CliError, exitCodes } from "./exit-codes.ts";

/** Reads a payload from a file, or from standard input when the path is `-`. */
export async function readPayload(
  path: string,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<Uint8Array> {
  if (path === "-") {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }

  try {
    return await readFile(path);
  } catch (error) {
    throw new CliError(
      exitCodes.usage,
      `cannot read payload file "${path}": ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Checks a job type argument against the catalogue. */
export function parseJobType(name: string): JobTypeName {
  if (!isJobTypeName(name)) {
    throw new CliError(
      exitCodes.usage,
      `unknown job type "${name}"; known: ${jobTypeNames.join(", ")}`,
    );
  }
  return name;
}
