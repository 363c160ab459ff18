import { promisify } from "node:util";
import { zstdCompress, zstdDecompress } from "node:zlib";
import { GetObjectCommand, NoSuchKey, type S3Client } from "@aws-sdk/client-s3";
import { PermanentJobError } from "../errors.ts";

// Post bodies are stored zstd-compressed UTF-8, as the Rust server writes
// them. Node 24's zlib has zstd built in, so no native addon is needed.

const decompress = promisify(zstdDecompress);
const compress = promisify(zstdCompress);
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Largest post body accepted after decompression: 16 MiB. */
export const maxContentBytes = 16 * 1024 * 1024;

/** The bucket and key of a post's content, for error context. */
export interface ContentLocation {
  bucket: string;
  key: string;
}

/** A content object that can never be read as text: missing or corrupt. */
export class UnreadableContentError extends PermanentJobError {
  override name = "UnreadableContentError";
  readonly bucket: string;
  readonly key: string;

  constructor(location: ContentLocation, problem: string, cause?: unknown) {
    super(`content s3://${location.bucket}/${location.key} ${problem}`, {
      cause,
    });
    this.bucket = location.bucket;
    this.key = location.key;
  }
}

/**
 * Reads and decodes one post body. A missing object, bytes that are not a
 * zstd frame or text that is not UTF-8 throw UnreadableContentError
 * (permanent). Network and store errors are thrown as they are (retryable).
 */
export async function readPostContent(
  s3: S3Client,
  location: ContentLocation,
): Promise<string> {
  let bytes: Uint8Array;
  try {
    const response = await s3.send(
      new GetObjectCommand({ Bucket: location.bucket, Key: location.key }),
    );
    bytes = (await response.Body?.transformToByteArray()) ?? new Uint8Array();
  } catch (error) {
    if (error instanceof NoSuchKey) {
      throw new UnreadableContentError(location, "not found", error);
    }
    throw error;
  }
  return decodePostContent(bytes, location);
}

/** Decompresses and decodes stored bytes; see readPostContent. */
export async function decodePostContent(
  bytes: Uint8Array,
  location: ContentLocation,
): Promise<string> {
  let text: Buffer;
  try {
    text = await decompress(bytes, { maxOutputLength: maxContentBytes });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new UnreadableContentError(
      location,
      `is not valid zstd: ${detail}`,
      error,
    );
  }

  try {
    return utf8.decode(text);
  } catch (error) {
    throw new UnreadableContentError(location, "is not valid UTF-8", error);
  }
}

/** Compresses a post body the way the Rust server stores it. */
export function encodePostContent(text: string): Promise<Buffer> {
  return compress(Buffer.from(text, "utf8"));
}
