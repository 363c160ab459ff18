import type { Pool } from "../db/pool.ts";
import type { DocumentSource } from "./source.ts";

type TableReads = Pick<
  DocumentSource,
  "fetchByIds" | "fetchPage" | "countRows"
>;

/**
 * Creates the row reads a document source needs from its table: rows by
 * id, pages by id cursor, and counts for progress logs. `table` and
 * `columns` are constants of this project, never user input.
 */
export function tableReads<Row extends { id: string }>(
  pool: Pool,
  table: "posts" | "users",
  columns: string,
): TableReads {
  return {
    async fetchByIds(ids) {
      const result = await pool.query<Row>(
        `SELECT ${columns} FROM ${table} WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      return new Map(result.rows.map((row) => [row.id, row]));
    },

    async fetchPage(afterId, limit) {
      const result = await pool.query<Row>(
        `SELECT ${columns} FROM ${table}
         WHERE $1::uuid IS NULL OR id > $1::uuid
         ORDER BY id LIMIT $2`,
        [afterId, limit],
      );
      return result.rows;
    },

    async countRows(throughId) {
      const result = await pool.query<{ total: number; through: number }>(
        `SELECT count(*)::int AS total,
                count(*) FILTER (WHERE id <= $1::uuid)::int AS through
         FROM ${table}`,
        [throughId],
      );
      return result.rows[0] ?? { total: 0, through: 0 };
    },
  };
}
