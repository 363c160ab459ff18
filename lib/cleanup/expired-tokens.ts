import type { Pool } from "../db/pool.ts";

// One bounded batch: the subquery picks at most $1 expired rows, so a
// statement locks and deletes no more than $1 rows. SKIP LOCKED passes over
// rows another transaction has locked instead of waiting for them.
const deleteBatchSql = `
DELETE FROM auth_tokens
WHERE id IN (
  SELECT id FROM auth_tokens
  WHERE expires_at < now()
  LIMIT $1
  FOR UPDATE SKIP LOCKED
)`;

export interface ExpiredTokensOutcome {
  /** Rows deleted in total. */
  deleted: number;
  /** DELETE statements run. */
  statements: number;
  /** Rows the largest single statement deleted; never above the batch size. */
  largestStatement: number;
}

/**
 * Deletes `auth_tokens` rows whose `expires_at` has passed, at most
 * `batchSize` rows per statement, until a statement finds fewer than a full
 * batch: then no expired row is left, apart from rows locked by another
 * transaction at that moment, which the next run deletes.
 */
export async function deleteExpiredTokens(
  pool: Pool,
  batchSize: number,
): Promise<ExpiredTokensOutcome> {
  const outcome: ExpiredTokensOutcome = {
    deleted: 0,
    statements: 0,
    largestStatement: 0,
  };

  for (;;) {
    const result = await pool.query(deleteBatchSql, [batchSize]);
    const deleted = result.rowCount ?? 0;

    outcome.statements += 1;
    outcome.deleted += deleted;
    outcome.largestStatement = Math.max(outcome.largestStatement, deleted);
    if (deleted < batchSize) return outcome;
  }
}
