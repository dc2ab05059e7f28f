/**
 * The baseline of the metrics scenario: the prototype's approach (load the rows, group them in Node), reimplemented faithfully. In one
 * REPEATABLE READ snapshot it asks the database for the aggregate total (sum, count) of the
 * matching payments, loads the matching rows, groups them by local day or Monday-started week
 * in Node (exact BigInt sums) and checks the buckets add up to the aggregate ("drift check").
 * Which payments count comes from src/revenue's single definition, as in the product.
 */
import type { Pool } from '../../src/db/index.ts';
import { REVENUE_SQL_PREDICATE, type RevenueFilters } from '../../src/revenue/index.ts';

/** One bucket or the total, as the seed computed it. */
export interface SeedAmounts {
  gross: bigint;
  refunded: bigint;
  count: number;
}

/** What a seed-style view returns. */
export interface SeedRevenue {
  total: SeedAmounts;
  buckets: Map<string, SeedAmounts>;
}

// $1 source, $2 currency, $3 first local date, $4 last local date, $5 time zone.
const WHERE = `${REVENUE_SQL_PREDICATE} AND source = $1 AND currency = $2
  AND occurred_at >= ($3::date::timestamp AT TIME ZONE $5) AND occurred_at < (($4::date + 1)::timestamp AT TIME ZONE $5)`;
const AGGREGATE_SQL = `SELECT coalesce(sum(amount_cents), 0)::text AS gross, coalesce(sum(refunded_cents), 0)::text AS refunded, count(*)::int AS n FROM payments WHERE ${WHERE}`;
const ROWS_SQL = `SELECT occurred_at, amount_cents, refunded_cents FROM payments WHERE ${WHERE}`;

/** Summary, daily or weekly revenue the seed's way. Filters must carry source, startDate and endDate. */
export async function seedRevenue(pool: Pool, f: RevenueFilters, kind: 'total' | 'day' | 'week'): Promise<SeedRevenue> {
  const params = [f.source, f.currency, f.startDate, f.endDate, f.timezone];
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const agg = (await client.query<{ gross: string; refunded: string; n: number }>(AGGREGATE_SQL, params)).rows[0];
    const total: SeedAmounts = { gross: BigInt(agg?.gross ?? 0), refunded: BigInt(agg?.refunded ?? 0), count: agg?.n ?? 0 };
    const buckets = new Map<string, SeedAmounts>();
    if (kind !== 'total') {
      const { rows } = await client.query<{ occurred_at: Date; amount_cents: string; refunded_cents: string }>(ROWS_SQL, params);
      const label = kind === 'day' ? localDay(f.timezone) : localWeek(f.timezone);
      let gross = 0n;
      let refunded = 0n;
      for (const r of rows) {
        const key = label(r.occurred_at);
        let b = buckets.get(key);
        if (!b) buckets.set(key, (b = { gross: 0n, refunded: 0n, count: 0 }));
        const g = BigInt(r.amount_cents);
        const rf = BigInt(r.refunded_cents);
        b.gross += g;
        b.refunded += rf;
        b.count++;
        gross += g;
        refunded += rf;
      }
      if (gross !== total.gross || refunded !== total.refunded || rows.length !== total.count) throw new Error('Critical Metric Drift Detected');
    }
    await client.query('COMMIT');
    return { total, buckets };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

// Local dates through Intl, memoised per quarter hour (every IANA offset is a multiple of 15 min).
function localDay(timeZone: string): (d: Date) => string {
  const fmt = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const cache = new Map<number, string>();
  return (d) => {
    const q = Math.floor(d.getTime() / 900_000);
    let s = cache.get(q);
    if (s === undefined) cache.set(q, (s = fmt.format(d)));
    return s;
  };
}

function localWeek(timeZone: string): (d: Date) => string {
  const day = localDay(timeZone);
  const cache = new Map<string, string>();
  return (d) => {
    const date = day(d);
    let monday = cache.get(date);
    if (monday === undefined) {
      const t = Date.parse(`${date}T00:00:00Z`);
      const back = (new Date(t).getUTCDay() + 6) % 7;
      cache.set(date, (monday = new Date(t - back * 86_400_000).toISOString().slice(0, 10)));
    }
    return monday;
  };
}
