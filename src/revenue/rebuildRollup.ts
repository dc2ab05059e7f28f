/** Ops on the revenue rollup: check it against payments, rebuild it from payments. */
import { withTransaction, type Pool, type Queryable } from '../db/index.ts';

/** One rollup key whose stored sums differ from a recomputation from payments. */
export interface RollupMismatch {
  currency: string;
  source: string;
  hourStart: string;
  stored: string;
  expected: string;
}

const COLUMNS = ['gross', 'refunded', 'count'].flatMap((c) => ['00', '15', '30', '45'].map((m) => `${c}_${m}`));
const AS_TEXT = (alias: string) => `concat_ws(',', ${COLUMNS.map((c) => `${alias}.${c}`).join(', ')})`;
const ALL_ZERO = (alias: string) => COLUMNS.map((c) => `${alias}.${c} = 0`).join(' AND ');

/**
 * Compare the rollup with a full recomputation from payments in one snapshot; returns the
 * differing keys (empty when exact). Rows left at zero by subtractions are not differences.
 * Scans all payments: an ops check, not a request-path call.
 */
export async function verifyRevenueRollup(db: Queryable, opts: { limit?: number } = {}): Promise<RollupMismatch[]> {
  const { rows } = await db.query<RollupMismatch>(
    `SELECT * FROM (
       SELECT coalesce(s.currency, e.currency) AS currency, coalesce(s.source, e.source) AS source,
              to_char(coalesce(s.hour_start, e.hour_start) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "hourStart",
              CASE WHEN s.currency IS NULL THEN 'missing' ELSE ${AS_TEXT('s')} END AS stored,
              CASE WHEN e.currency IS NULL THEN 'missing' ELSE ${AS_TEXT('e')} END AS expected
       FROM (SELECT * FROM revenue_rollup r WHERE NOT (${ALL_ZERO('r')})) s
       FULL JOIN revenue_rollup_expected e ON e.currency = s.currency AND e.hour_start = s.hour_start AND e.source = s.source
     ) compared
     WHERE stored <> expected
     ORDER BY 1, 2, 3
     LIMIT $1`,
    [opts.limit ?? 100],
  );
  return rows;
}

/**
 * Recompute the rollup from payments (after changing the revenue definition, or if a check
 * ever finds drift). Blocks payment writers for its duration; readers keep the old rollup
 * until it commits.
 */
export async function rebuildRevenueRollup(pool: Pool): Promise<{ rows: number }> {
  return withTransaction(pool, async (tx) => {
    await tx.query('LOCK TABLE payments IN SHARE MODE');
    await tx.query('DELETE FROM revenue_rollup');
    const res = await tx.query('INSERT INTO revenue_rollup SELECT * FROM revenue_rollup_expected');
    return { rows: res.rowCount ?? 0 };
  });
}
