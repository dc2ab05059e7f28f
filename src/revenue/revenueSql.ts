/**
 * The one SQL statement behind every revenue view. Buckets and the total come out of the same
 * statement (so the same snapshot), and the total is the sum of the returned buckets, so a
 * response can never disagree with itself. It reads only the rollup tables.
 *
 * Parameters: $1 currency, $2 time zone, $3 first local date or null, $4 last local date or
 * null, $5 bucket kind ('total' | 'day' | 'week'), then the source when filtering by source ($6)
 * and the connection id when filtering by connection ($6, or $7 after a source).
 *
 * How a local day maps onto the rollup: each bucket is the UTC interval [cut_i, cut_i+1) where
 * cut_i is the first 15-minute instant whose local date (in $2) is the bucket's first day.
 * Cuts are 15-minute aligned (every IANA offset is a multiple of 15 minutes), so the interval
 * is read coarsest-first: a UTC day no cut falls inside is its daily row's total; a day cuts
 * fall inside is split into segments between them, each segment's whole hours one subtraction
 * of the daily row's running totals; an hour a cut falls inside (at :15/:30/:45) is read from
 * the hourly row's quarter columns. So a view reads about one row per day and source, in any
 * zone and source and connection. The range is clamped to the days that hold data, so an open or
 * huge range costs no more than the data's span.
 *
 * Which level: without a connection filter the per-source level (revenue_source_rollup*, key
 * (currency, hour/day, source)) — one row per bucket and source, however many connections
 * sold; with one, the per-connection level (revenue_rollup*, key (currency, connection,
 * hour/day, source)) — only that connection's rows.
 */

/** Bucket kinds: one total, one bucket per local day, or one per Monday-started local week. */
export type BucketKind = 'total' | 'day' | 'week';

/** Which optional filters a statement applies; each combination is its own prepared statement. */
export interface RevenueSqlShape {
  bySource: boolean;
  byConnection: boolean;
}

function buildRevenueSql({ bySource, byConnection }: RevenueSqlShape): string {
  // Separate statements rather than "$n IS NULL OR col = $n": a generic plan of the latter
  // cannot choose the index the filter needs.
  const connParam = bySource ? '$7' : '$6';
  const hourly = byConnection ? 'revenue_rollup' : 'revenue_source_rollup';
  const daily = byConnection ? 'revenue_rollup_daily' : 'revenue_source_rollup_daily';
  const src = (alias: string) => [bySource ? `AND ${alias}.source = $6` : '', byConnection ? `AND ${alias}.connection_id = ${connParam}` : ''].filter(Boolean).join(' ');
  return `
WITH extent AS (
  SELECT min(d.day_start) AS lo, max(d.day_start) AS hi
  FROM ${daily} d WHERE d.currency = $1 ${src('d')}
),
span AS (
  -- Local dates of the first and last instant holding data, narrowed by the requested range.
  SELECT greatest($3::date, (lo AT TIME ZONE $2)::date) AS first_day,
         least($4::date, ((hi + interval '23 hours 45 minutes') AT TIME ZONE $2)::date) AS last_day
  FROM extent WHERE lo IS NOT NULL
),
cut_days AS (
  SELECT d::date AS day, d::date::timestamp AT TIME ZONE $2 AS guess
  FROM span, generate_series(first_day::timestamp, (last_day + 1)::timestamp, interval '1 day') AS d
  WHERE first_day <= last_day
    AND (d = first_day OR d = last_day + 1 OR $5 = 'day' OR ($5 = 'week' AND extract(isodow FROM d) = 1))
),
cuts AS (
  -- "local midnight AT TIME ZONE" resolves skipped or repeated midnights by PostgreSQL's own
  -- rule; keep the guess only when it is the first instant of the day, else search around it.
  SELECT day,
         CASE WHEN (guess AT TIME ZONE $2)::date >= day
               AND ((guess - interval '15 minutes') AT TIME ZONE $2)::date < day THEN guess
              ELSE (SELECT min(t) FROM generate_series(guess - interval '3 hours', guess + interval '3 hours', interval '15 minutes') AS t
                    WHERE (t AT TIME ZONE $2)::date >= day)
         END AS at
  FROM cut_days
),
grid AS (
  SELECT array_agg(at ORDER BY day) AS b, array_agg(day ORDER BY day) AS days, min(at) AS b0, max(at) AS bn FROM cuts
),
split_days AS (
  SELECT DISTINCT date_bin('1 day', at, timestamptz 'epoch') AS day_start
  FROM cuts WHERE date_bin('1 day', at, timestamptz 'epoch') <> at
),
split_hours AS (
  SELECT DISTINCT date_bin('1 hour', at, timestamptz 'epoch') AS hour_start
  FROM cuts WHERE date_bin('1 hour', at, timestamptz 'epoch') <> at
),
points AS (
  SELECT at FROM cuts
  UNION SELECT day_start FROM split_days
  UNION SELECT day_start + interval '24 hours' FROM split_days
),
segments AS (
  -- Consecutive points inside a cut day, and the whole hours [i, j) each segment spans.
  SELECT day_start, p, q,
         ceil(extract(epoch FROM p - day_start) / 3600)::int AS i,
         floor(extract(epoch FROM q - day_start) / 3600)::int AS j
  FROM (SELECT date_bin('1 day', at, timestamptz 'epoch') AS day_start, at AS p, lead(at) OVER (ORDER BY at) AS q FROM points) s
  WHERE q IS NOT NULL AND day_start IN (SELECT day_start FROM split_days)
),
parts AS (
  SELECT width_bucket(d.day_start, g.b) AS idx, d.gross_cents[24] AS gross, d.refunded_cents[24] AS refunded, d.charge_count[24] AS n
  FROM grid g JOIN ${daily} d
    ON d.currency = $1 AND d.day_start >= g.b0 AND d.day_start < g.bn ${src('d')}
  WHERE d.day_start NOT IN (SELECT day_start FROM split_days)
  UNION ALL
  SELECT width_bucket(sg.p, g.b),
         d.gross_cents[sg.j] - coalesce(d.gross_cents[sg.i], 0),
         d.refunded_cents[sg.j] - coalesce(d.refunded_cents[sg.i], 0),
         d.charge_count[sg.j] - coalesce(d.charge_count[sg.i], 0)
  FROM grid g
  CROSS JOIN segments sg
  -- LATERAL … OFFSET 0 (never flattened into a join the planner might misjudge): one index
  -- lookup per segment.
  CROSS JOIN LATERAL (SELECT * FROM ${daily} d WHERE d.currency = $1 AND d.day_start = sg.day_start ${src('d')} OFFSET 0) d
  WHERE sg.p >= g.b0 AND sg.q <= g.bn AND sg.j > sg.i
  UNION ALL
  SELECT width_bucket(q.at, g.b), q.gross, q.refunded, q.n
  FROM grid g
  CROSS JOIN split_hours s
  CROSS JOIN LATERAL (SELECT * FROM ${hourly} h WHERE h.currency = $1 AND h.hour_start = s.hour_start ${src('h')} OFFSET 0) r
  CROSS JOIN LATERAL (VALUES
    (r.hour_start,                          r.gross_00, r.refunded_00, r.count_00),
    (r.hour_start + interval '15 minutes', r.gross_15, r.refunded_15, r.count_15),
    (r.hour_start + interval '30 minutes', r.gross_30, r.refunded_30, r.count_30),
    (r.hour_start + interval '45 minutes', r.gross_45, r.refunded_45, r.count_45)
  ) AS q(at, gross, refunded, n)
  WHERE q.at >= g.b0 AND q.at < g.bn
),
buckets AS (
  SELECT idx, sum(gross) AS gross, sum(refunded) AS refunded, sum(n) AS n
  FROM parts GROUP BY idx HAVING sum(n) <> 0
)
SELECT to_char((CASE WHEN $5 = 'week' THEN day - (extract(isodow FROM day)::int - 1) ELSE day END)::timestamp, 'YYYY-MM-DD') AS bucket,
       gross::text AS gross, refunded::text AS refunded, (gross - refunded)::text AS net, n::text AS n
FROM (SELECT g.days[b.idx] AS day, b.* FROM buckets b, grid g) labelled
UNION ALL
SELECT NULL, coalesce(sum(gross), 0)::text, coalesce(sum(refunded), 0)::text,
       coalesce(sum(gross - refunded), 0)::text, coalesce(sum(n), 0)::text
FROM buckets
ORDER BY bucket NULLS FIRST`;
}

const STATEMENTS = new Map<string, { name: string; text: string }>();

/** The prepared statement (its name and text) for a combination of source and connection filters. */
export function revenueStatement(shape: RevenueSqlShape): { name: string; text: string } {
  const name = `buffalo_revenue_${shape.bySource ? 'one_source' : 'all_sources'}${shape.byConnection ? '_one_connection' : ''}`;
  let statement = STATEMENTS.get(name);
  if (!statement) {
    statement = { name, text: buildRevenueSql(shape) };
    STATEMENTS.set(name, statement);
  }
  return statement;
}
