/** Maximum key length S3 accepts, in bytes of UTF-8. */
export const maxKeyBytes = 1024;

/**
 * Returns why a key must not be deleted, or undefined when it may be. Keys
 * must sit under an allowed prefix and contain no `..`, so a job can never
 * reach another part of the bucket. Keys with control characters or longer
 * than S3's limit are rejected too, because one such key makes the store
 * fail the whole batch request.
 */
export function rejectKeyReason(
  key: string,
  allowedPrefixes: readonly string[],
): string | undefined {
  if (key === "") return "key is empty";
  const bytes = Buffer.byteLength(key, "utf8");
  if (bytes > maxKeyBytes) {
    return `key is ${bytes} bytes of UTF-8, more than the maximum ${maxKeyBytes}`;
  }
  const control = /\p{Cc}/u.exec(key);
  if (control !== null) {
    return `key contains control character ${codePointOf(control[0])} at index ${control.index}`;
  }
  if (key.startsWith("/")) return "key starts with /";
  if (key.includes("..")) return "key contains ..";
  if (!allowedPrefixes.some((prefix) => key.startsWith(prefix))) {
    return `key is outside the allowed prefixes (${allowedPrefixes.join(", ")})`;
  }
  return undefined;
}

/** Formats a character as `U+0000`. */
function codePointOf(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * Quotes a key for messages and headers: JSON string syntax, with every
 * control character escaped as `\uXXXX` (JSON.stringify leaves DEL and the
 * C1 controls as they are).
 */
export function quoteKey(key: string): string {
  return JSON.stringify(key).replace(
    /\p{Cc}/gu,
    (character) =>
      `\\u${(character.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`,
  );
}
