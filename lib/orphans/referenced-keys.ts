import type { Pool } from "../db/pool.ts";

const referencedSql =
  "SELECT storage_key FROM posts WHERE storage_key = ANY($1::text[])";

/** Returns which of `keys` some `posts.storage_key` references, in one query. */
export async function findReferencedKeys(
  pool: Pool,
  keys: readonly string[],
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const result = await pool.query(referencedSql, [keys]);
  const rows = result.rows as { storage_key: string }[];
  return new Set(rows.map((row) => row.storage_key));
}
