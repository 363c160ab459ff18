/**
 * Returns why a key must not be deleted, or undefined when it may be. Keys
 * must sit under an allowed prefix and contain no `..`, so a job can never
 * reach another part of the bucket.
 */
export function rejectKeyReason(
  key: string,
  allowedPrefixes: readonly string[],
): string | undefined {
  if (key === "") return "key is empty";
  if (key.startsWith("/")) return "key starts with /";
  if (key.includes("..")) return "key contains ..";
  if (!allowedPrefixes.some((prefix) => key.startsWith(prefix))) {
    return `key is outside the allowed prefixes (${allowedPrefixes.join(", ")})`;
  }
  return undefined;
}
