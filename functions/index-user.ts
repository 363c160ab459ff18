import type { EnvReader, EnvSource } from "../lib/config/env-reader.ts";
import {
  createJobHandler,
  type JobHandler,
} from "../lib/functions/job-handler.ts";
import { processIndexBatch } from "../lib/search/index-batch.ts";
import { readSearchSettings, setUpSearch } from "../lib/search/setup.ts";

export function createHandler(source: EnvSource = process.env): JobHandler {
  return createJobHandler({
    jobType: "index-user",
    setup: async (logger) => {
      const deps = setUpSearch("users", source, logger);
      return (records) =>
        processIndexBatch(
          deps,
          records.map((record) => ({
            ...record,
            job: { id: record.job.user_id, action: record.job.action },
          })),
        );
    },
  });
}

/** Reads this function's settings, recording problems in `env`. */
export function readSettings(env: EnvReader): unknown {
  return readSearchSettings("users", env);
}

export const handler = createHandler();
