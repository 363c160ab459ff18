import { EnvReader, type EnvSource } from "../lib/config/env-reader.ts";
import {
  type ContentBucketConfig,
  readContentBucketConfig,
} from "../lib/config/storage.ts";
import { deleteContent } from "../lib/content/delete-content.ts";
import {
  createJobHandler,
  forEachRecord,
  type JobHandler,
} from "../lib/functions/job-handler.ts";
import { createS3Client } from "../lib/storage/s3-client.ts";

export function createHandler(source: EnvSource = process.env): JobHandler {
  return createJobHandler({
    jobType: "delete-content",
    setup: async (logger) => {
      const env = new EnvReader(source);
      const config = readSettings(env);
      env.assertValid();

      const deps = {
        s3: createS3Client(config.store),
        bucket: config.bucket,
        allowedPrefixes: config.allowedPrefixes,
        logger,
      };
      return forEachRecord((job, record) => deleteContent(deps, job, record));
    },
  });
}

/** Reads this function's settings, recording problems in `env`. */
export function readSettings(env: EnvReader): ContentBucketConfig {
  return readContentBucketConfig(env);
}

export const handler = createHandler();
