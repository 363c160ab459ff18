import { readFile } from "node:fs/promises";
import type { Pool } from "./pool.ts";

/** The schema SQL the project ships, `db/schema.sql`. */
export const schemaFile = new URL("../../db/schema.sql", import.meta.url);

/**
 * Creates the tables the functions read, where they do not exist yet. For
 * local databases and tests only: the app's migrations own the real schema.
 */
export async function applySchema(pool: Pool): Promise<void> {
  const sql = await readFile(schemaFile, "utf8");
  await pool.query(sql);
}
