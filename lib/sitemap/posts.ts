import type { Pool } from "../db/pool.ts";

export interface PostListing {
  id: string;
  updatedAt: Date;
}

// Keyset pagination on the primary key: each page starts after the last id
// of the one before, so no query reads more than one page of rows.
const firstPageSql = "SELECT id, updated_at FROM posts ORDER BY id LIMIT $1";
const nextPageSql =
  "SELECT id, updated_at FROM posts WHERE id > $1 ORDER BY id LIMIT $2";

/** Yields every post's id and `updated_at`, `pageSize` rows per query. */
export async function* readPostPages(
  pool: Pool,
  pageSize: number,
): AsyncGenerator<PostListing[]> {
  let afterId: string | undefined;

  for (;;) {
    const result =
      afterId === undefined
        ? await pool.query(firstPageSql, [pageSize])
        : await pool.query(nextPageSql, [afterId, pageSize]);
    const rows = result.rows as { id: string; updated_at: Date }[];
    if (rows.length === 0) return;

    yield rows.map((row) => ({ id: row.id, updatedAt: row.updated_at }));
    if (rows.length < pageSize) return;
    afterId = rows.at(-1)?.id;
  }
}
