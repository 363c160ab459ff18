import type { Pool } from "../db/pool.ts";

export type LockMode = "shared" | "exclusive";

/**
 * Runs `work` inside a transaction that holds a Postgres advisory lock on
 * one live index. Index jobs take it shared while they write to the live
 * index and to a running reindex's new index. A reindex takes it exclusive
 * while it creates, swaps or deletes indexes. So no write reaches an index
 * after it was deleted, because Meilisearch would recreate it empty.
 */
export async function withIndexLock<T>(
  pool: Pool,
  liveIndex: string,
  mode: LockMode,
  work: () => Promise<T>,
): Promise<T> {
  const lockFunction =
    mode === "shared"
      ? "pg_advisory_xact_lock_shared"
      : "pg_advisory_xact_lock";
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    await client.query(`SELECT ${lockFunction}(hashtextextended($1, 0))`, [
      `axumkit-search-index:${liveIndex}`,
    ]);
    const result = await work();
    await client.query("COMMIT");
    return result;
  } catch (error) {
    // A failed ROLLBACK means a broken connection: releasing it with the
    // error discards it, and Postgres drops the lock with the session.
    await client.query("ROLLBACK").catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
