import { S3Client } from "@aws-sdk/client-s3";
import {
  awsRequestHandler,
  type ClientTimeouts,
  jobClientTimeouts,
} from "../client-timeouts.ts";
import type { ObjectStoreConfig } from "../config/storage.ts";

/** Creates an S3 client; the timeouts default to those of job functions. */
export function createS3Client(
  config: ObjectStoreConfig,
  timeouts: ClientTimeouts = jobClientTimeouts,
): S3Client {
  return new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    credentials: config.credentials,
    requestHandler: awsRequestHandler(timeouts),
    // R2 and most self-hosted stores reject the SDK's default extra
    // checksums; send them only where the operation requires one.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}
