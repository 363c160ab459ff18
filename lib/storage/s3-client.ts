import { S3Client } from "@aws-sdk/client-s3";
import type { ObjectStoreConfig } from "../config/storage.ts";

export function createS3Client(config: ObjectStoreConfig): S3Client {
  return new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    credentials: config.credentials,
    // R2 and most self-hosted stores reject the SDK's default extra
    // checksums; send them only where the operation requires one.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}
