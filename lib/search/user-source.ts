import type { Pool } from "../db/pool.ts";
import { toUserDocument, type UserRow } from "./documents.ts";
import { countRows } from "./post-source.ts";
import type { DocumentSource } from "./source.ts";

const columns = "id, handle, display_name, bio, profile_image";

/** Users: rows from `users`; a user document needs nothing else. */
export function createUserSource(pool: Pool): DocumentSource {
  return {
    kind: "users",

    async fetchByIds(ids) {
      const result = await pool.query<UserRow>(
        `SELECT ${columns} FROM users WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      return new Map(result.rows.map((row) => [row.id, row]));
    },

    async fetchPage(afterId, limit) {
      const result = await pool.query<UserRow>(
        `SELECT ${columns} FROM users
         WHERE $1::uuid IS NULL OR id > $1::uuid
         ORDER BY id LIMIT $2`,
        [afterId, limit],
      );
      return result.rows;
    },

    countRows: (throughId) => countRows(pool, "users", throughId),

    async buildDocuments(rows) {
      return {
        documents: (rows as UserRow[]).map(toUserDocument),
        errors: new Map(),
      };
    },
  };
}
