// Conversion of Redis replies (as ioredis returns them with Buffer replies)
// into the JSON values of the Upstash REST protocol.

/** A reply as the REST API sends it: strings, integers, null, arrays. */
export type RestValue = string | number | null | RestValue[];

/** Encoding of the strings in a reply. */
export type ReplyEncoding = "base64" | "utf8";

/**
 * Converts one Redis reply. With `base64` (the `Upstash-Encoding: base64`
 * request header, which `@upstash/redis` sends by default) every string is
 * base64 of its bytes, so binary values survive JSON. Integers and nil stay
 * as they are; arrays are converted element by element.
 */
export function encodeReply(
  reply: unknown,
  encoding: ReplyEncoding,
): RestValue {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === "number") return reply;
  if (Buffer.isBuffer(reply)) {
    return encoding === "base64"
      ? reply.toString("base64")
      : reply.toString("utf8");
  }
  if (typeof reply === "string") {
    return encoding === "base64"
      ? Buffer.from(reply, "utf8").toString("base64")
      : reply;
  }
  if (Array.isArray(reply)) {
    return reply.map((element) => encodeReply(element, encoding));
  }
  // ioredis returns nothing else for RESP2; a bigint or boolean is shown as text.
  return encodeReply(String(reply), encoding);
}

/** One command's outcome in a pipeline or transaction response. */
export type RestOutcome = { result: RestValue } | { error: string };

export function outcomeOf(
  error: Error | null,
  reply: unknown,
  encoding: ReplyEncoding,
): RestOutcome {
  if (error !== null) return { error: error.message };
  return { result: encodeReply(reply, encoding) };
}
