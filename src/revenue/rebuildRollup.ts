/** Ops on the revenue rollup: check it against payments, rebuild it from payments. */
import { withTransaction, type Pool, type Queryable } from '../db/index.ts';

/** One rollup key whose stored sums differ from a recomputation from payments. */
export interface RollupMismatch {
  table: 'revenue_rollup' | 'revenue_rollup_daily';
  currency: string;
  source: string;
  /** The connection (upstream account) of the key. */
  connectionId: string;
  /** Hour or day start, ISO UTC. */
  start: string;
  /** Stored counters, comma-separated, or 'missing'. */
  stored: string;
  expected: string;
}

const HOURLY = ['gross', 'refunded', 'count'].flatMap((c) => ['00', '15', '30', '45'].map((m) => `${c}_${m}`));
const DAILY = ['gross_cents', 'refunded_cents', 'charge_count'];
const ZERO_HOUR = HOURLY.map((c) => `r.${c} = 0`).join(' AND ');
const ZERO_DAY = DAILY.map((c) => `r.${c} = array_fill(0::bigint, ARRAY[24])`).join(' AND ');

// One table against its expected view; rows left all-zero by subtractions are not differences.
function compareSql(table: RollupMismatch['table'], expected: string, key: string, columns: string[], zero: string): string {
  const asText = (a: string) => `concat_ws(',', ${columns.map((c) => `${a}.${c}`).join(', ')})`;
  return `
    SELECT '${table}' AS "table", coalesce(s.currency, e.currency) AS currency, coalesce(s.source, e.source) AS source,
           coalesce(s.connection_id, e.connection_id) AS "connectionId",
           to_char(coalesce(s.${key}, e.${key}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS start,
           CASE WHEN s.currency IS NULL THEN 'missing' ELSE ${asText('s')} END AS stored,
           CASE WHEN e.currency IS NULL THEN 'missing' ELSE ${asText('e')} END AS expected
    FROM (SELECT * FROM ${table} r WHERE NOT (${zero})) s
    FULL JOIN ${expected} e ON e.currency = s.currency AND e.${key} = s.${key} AND e.source = s.source AND e.connection_id = s.connection_id`;
}

/**
 * Compare both rollup tables with a full recomputation from payments, in one statement (one
 * snapshot); returns the differing keys, empty when exact. Scans all payments: an ops check,
 * not a request-path call.
 */
export async function verifyRevenueRollup(db: Queryable, opts: { limit?: number } = {}): Promise<RollupMismatch[]> {
  const { rows } = await db.query<RollupMismatch>(
    `SELECT * FROM (${compareSql('revenue_rollup', 'revenue_rollup_expected', 'hour_start', HOURLY, ZERO_HOUR)}
                    UNION ALL ${compareSql('revenue_rollup_daily', 'revenue_rollup_daily_expected', 'day_start', DAILY, ZERO_DAY)}) compared
     WHERE stored <> expected
     ORDER BY 1, 2, 3, 5, 4
     LIMIT $1`,
    [opts.limit ?? 100],
  );
  return rows;
}

/**
 * Recompute the rollup from payments (after changing the revenue definition, or if
 * verifyRevenueRollup ever finds drift). Blocks payment writers for its duration; readers see
 * the old rollup until it commits.
 */
export async function rebuildRevenueRollup(pool: Pool): Promise<{ rows: number }> {
  return withTransaction(pool, async (tx) => {
    await tx.query('LOCK TABLE payments IN SHARE MODE');
    await tx.query('DELETE FROM revenue_rollup');
    await tx.query('DELETE FROM revenue_rollup_daily');
    const hourly = await tx.query('INSERT INTO revenue_rollup SELECT * FROM revenue_rollup_expected');
    const daily = await tx.query('INSERT INTO revenue_rollup_daily SELECT * FROM revenue_rollup_daily_expected');
    return { rows: (hourly.rowCount ?? 0) + (daily.rowCount ?? 0) };
  });
}
