/** Test helper: the two rollup levels compared with each other (sum over connections = per source). */
import type { Queryable } from '../../src/db/index.ts';

const HOURLY = ['gross', 'refunded', 'count'].flatMap((c) => ['00', '15', '30', '45'].map((m) => `${c}_${m}`));

// Each level reduced to its non-zero (currency, bucket, source, hour-of-day) totals, so rows left
// all-zero by subtractions and the daily running totals compare like for like.
const DISAGREEMENTS = `
  WITH conn_h AS (SELECT currency, hour_start, source, ${HOURLY.map((c) => `sum(${c})::bigint AS ${c}`).join(', ')} FROM revenue_rollup GROUP BY 1, 2, 3),
       src_h AS (SELECT currency, hour_start, source, ${HOURLY.join(', ')} FROM revenue_source_rollup),
       conn_d AS (SELECT d.currency, d.day_start, d.source, u.k, sum(u.g)::bigint AS g, sum(u.r)::bigint AS r, sum(u.n)::bigint AS n
                  FROM revenue_rollup_daily d, unnest(d.gross_cents, d.refunded_cents, d.charge_count) WITH ORDINALITY AS u(g, r, n, k) GROUP BY 1, 2, 3, 4),
       src_d AS (SELECT d.currency, d.day_start, d.source, u.k, u.g, u.r, u.n
                 FROM revenue_source_rollup_daily d, unnest(d.gross_cents, d.refunded_cents, d.charge_count) WITH ORDINALITY AS u(g, r, n, k))
  SELECT 'hourly' AS level, coalesce(c.hour_start, s.hour_start) AS t, 0::bigint AS k, to_char(coalesce(c.hour_start, s.hour_start) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS at, coalesce(c.source, s.source) AS source
  FROM (SELECT * FROM conn_h WHERE ${HOURLY.map((c) => `${c} <> 0`).join(' OR ')}) c
  FULL JOIN (SELECT * FROM src_h WHERE ${HOURLY.map((c) => `${c} <> 0`).join(' OR ')}) s USING (currency, hour_start, source)
  WHERE ${HOURLY.map((c) => `c.${c} IS DISTINCT FROM s.${c}`).join(' OR ')}
  UNION ALL
  SELECT 'daily', coalesce(c.day_start, s.day_start), coalesce(c.k, s.k), to_char(coalesce(c.day_start, s.day_start) AT TIME ZONE 'UTC', 'YYYY-MM-DD') || '[' || coalesce(c.k, s.k) || ']', coalesce(c.source, s.source)
  FROM (SELECT * FROM conn_d WHERE g <> 0 OR r <> 0 OR n <> 0) c
  FULL JOIN (SELECT * FROM src_d WHERE g <> 0 OR r <> 0 OR n <> 0) s USING (currency, day_start, source, k)
  WHERE c.g IS DISTINCT FROM s.g OR c.r IS DISTINCT FROM s.r OR c.n IS DISTINCT FROM s.n
  ORDER BY 1 DESC, 2, 3, 5`;

/** Keys where the per-source level differs from the per-connection level summed over connections; empty when they agree. */
export async function levelDisagreements(db: Queryable): Promise<Array<{ level: string; at: string; source: string }>> {
  const { rows } = await db.query<{ level: string; at: string; source: string }>(DISAGREEMENTS);
  return rows.map(({ level, at, source }) => ({ level, at, source }));
}

/**
 * Rows of `revenue_rollup` and `revenue_rollup_daily` that differ from their expected views, either
 * way (whatever shape the migrations under test left them in): 0 when the rollup is exact.
 */
export const ROLLUP_DRIFT = `
  SELECT (SELECT count(*) FROM ((SELECT * FROM revenue_rollup EXCEPT SELECT * FROM revenue_rollup_expected)
                                UNION ALL (SELECT * FROM revenue_rollup_expected EXCEPT SELECT * FROM revenue_rollup)) h)::int
       + (SELECT count(*) FROM ((SELECT * FROM revenue_rollup_daily EXCEPT SELECT * FROM revenue_rollup_daily_expected)
                                UNION ALL (SELECT * FROM revenue_rollup_daily_expected EXCEPT SELECT * FROM revenue_rollup_daily)) d)::int AS n`;
