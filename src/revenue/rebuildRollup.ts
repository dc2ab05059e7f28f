/** Ops on the revenue rollup's two levels: check them against payments, rebuild them from payments. */
import { withTransaction, type Pool, type Queryable } from '../db/index.ts';

/** Rollup levels: per (currency, hour/day, source, connection), and per (currency, hour/day, source) summed over connections. */
export type RollupLevel = 'connection' | 'source';

/** One rollup key whose stored sums differ from a recomputation from payments. */
export interface RollupMismatch {
  /** Which level drifted: the per-connection one (filtered views) or the per-source one (unfiltered and per-source views). */
  level: RollupLevel;
  table: 'revenue_rollup' | 'revenue_rollup_daily' | 'revenue_source_rollup' | 'revenue_source_rollup_daily';
  currency: string;
  source: string;
  /** The connection (upstream account) of the key; null on the per-source level, which has none. */
  connectionId: string | null;
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

interface Compared {
  level: RollupLevel;
  table: RollupMismatch['table'];
  expected: string;
  key: 'hour_start' | 'day_start';
}

const TABLES: Compared[] = [
  { level: 'connection', table: 'revenue_rollup', expected: 'revenue_rollup_expected', key: 'hour_start' },
  { level: 'connection', table: 'revenue_rollup_daily', expected: 'revenue_rollup_daily_expected', key: 'day_start' },
  { level: 'source', table: 'revenue_source_rollup', expected: 'revenue_source_rollup_expected', key: 'hour_start' },
  { level: 'source', table: 'revenue_source_rollup_daily', expected: 'revenue_source_rollup_daily_expected', key: 'day_start' },
];

// One table against its expected view; rows left all-zero by subtractions are not differences.
function compareSql({ level, table, expected, key }: Compared): string {
  const [columns, zero] = key === 'hour_start' ? [HOURLY, ZERO_HOUR] : [DAILY, ZERO_DAY];
  const asText = (a: string) => `concat_ws(',', ${columns.map((c) => `${a}.${c}`).join(', ')})`;
  const byConnection = level === 'connection';
  return `
    SELECT '${level}' AS level, '${table}' AS "table", coalesce(s.currency, e.currency) AS currency, coalesce(s.source, e.source) AS source,
           ${byConnection ? 'coalesce(s.connection_id, e.connection_id)' : 'NULL::text'} AS "connectionId",
           to_char(coalesce(s.${key}, e.${key}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS start,
           CASE WHEN s.currency IS NULL THEN 'missing' ELSE ${asText('s')} END AS stored,
           CASE WHEN e.currency IS NULL THEN 'missing' ELSE ${asText('e')} END AS expected
    FROM (SELECT * FROM ${table} r WHERE NOT (${zero})) s
    FULL JOIN ${expected} e ON e.currency = s.currency AND e.${key} = s.${key} AND e.source = s.source${byConnection ? ' AND e.connection_id = s.connection_id' : ''}`;
}

/**
 * Compare both rollup levels (four tables) with a full recomputation from payments, in one
 * statement (one snapshot); returns the differing keys, each naming its level and its source
 * or connection, empty when exact. Scans all payments: an ops check, not a request-path call.
 */
export async function verifyRevenueRollup(db: Queryable, opts: { limit?: number } = {}): Promise<RollupMismatch[]> {
  const { rows } = await db.query<RollupMismatch>(
    `SELECT * FROM (${TABLES.map(compareSql).join('\n UNION ALL ')}) compared
     WHERE stored <> expected
     ORDER BY 2, 3, 4, 6, 5
     LIMIT $1`,
    [opts.limit ?? 100],
  );
  return rows;
}

// The per-source level summed from the per-connection one, just rebuilt in the same transaction:
// one scan of payments for both levels. Sums of running totals are the running totals of the sums.
const SOURCE_HOURLY_FROM_CONNECTIONS = `
  INSERT INTO revenue_source_rollup (currency, hour_start, source, ${HOURLY.join(', ')})
  SELECT currency, hour_start, source, ${HOURLY.map((c) => `sum(${c})`).join(', ')}
  FROM revenue_rollup GROUP BY 1, 2, 3`;
const SOURCE_DAILY_FROM_CONNECTIONS = `
  INSERT INTO revenue_source_rollup_daily (currency, day_start, source, gross_cents, refunded_cents, charge_count)
  SELECT currency, day_start, source, array_agg(g ORDER BY k), array_agg(r ORDER BY k), array_agg(n ORDER BY k)
  FROM (SELECT d.currency, d.day_start, d.source, u.k, sum(u.g)::bigint AS g, sum(u.r)::bigint AS r, sum(u.n)::bigint AS n
        FROM revenue_rollup_daily d, unnest(d.gross_cents, d.refunded_cents, d.charge_count) WITH ORDINALITY AS u(g, r, n, k)
        GROUP BY 1, 2, 3, 4) per_hour
  GROUP BY 1, 2, 3`;

/**
 * Recompute both rollup levels from payments (after changing the revenue definition, or if
 * verifyRevenueRollup ever finds drift). Blocks payment writers for its duration; readers see
 * the old rollup until it commits. Returns the rows written to both levels.
 */
export async function rebuildRevenueRollup(pool: Pool): Promise<{ rows: number }> {
  return withTransaction(pool, async (tx) => {
    await tx.query('LOCK TABLE payments IN SHARE MODE');
    for (const { table } of TABLES) await tx.query(`DELETE FROM ${table}`);
    let rows = 0;
    for (const sql of [
      'INSERT INTO revenue_rollup SELECT * FROM revenue_rollup_expected',
      'INSERT INTO revenue_rollup_daily SELECT * FROM revenue_rollup_daily_expected',
      SOURCE_HOURLY_FROM_CONNECTIONS,
      SOURCE_DAILY_FROM_CONNECTIONS,
    ]) {
      rows += (await tx.query(sql)).rowCount ?? 0;
    }
    return { rows };
  });
}
