import type { EnvReader, EnvSource } from "../lib/config/env-reader.ts";
import {
  createJobHandler,
  forEachRecord,
  type JobHandler,
} from "../lib/functions/job-handler.ts";
import { runReindexBatch } from "../lib/search/reindex.ts";
import { readSearchSettings, setUpSearch } from "../lib/search/setup.ts";

export function createHandler(source: EnvSource = process.env): JobHandler {
  return createJobHandler({
    jobType: "reindex-users",
    setup: async (logger) => {
      const deps = setUpSearch("users", source, logger);
      return forEachRecord((job, record) => runReindexBatch(deps, job, record));
    },
  });
}

/** Reads this function's settings, recording problems in `env`. */
export function readSettings(env: EnvReader): unknown {
  return readSearchSettings("users", env);
}

export const handler = createHandler();
