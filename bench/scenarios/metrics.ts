/**
 * metrics: p50/p99 of the revenue summary, daily and weekly views (src/revenue, reading the
 * rollup) at each size, vs loading the rows and grouping them in Node on the same data (./seedRevenue.ts). Payments are
 * generated in SQL (generate_series) over the past 365 days with the rollup triggers disabled,
 * then the rollup is rebuilt with rebuildRevenueRollup (inserting millions through the
 * statement triggers is far slower and measures ingest, not queries). The baseline gets a
 * covering index on (source, currency, occurred_at) so it is measured at its best.
 */
import { rebuildRevenueRollup, dailyRevenue, summarizeRevenue, weeklyRevenue, type RevenueFilters } from '../../src/revenue/index.ts';
import type { Pool } from '../../src/db/index.ts';
import { countLabel } from '../options.ts';
import { percentile, result, round, targets, timed } from '../measure.ts';
import type { BenchResult, Scenario } from '../types.ts';
import { explainRevenue } from './explainRevenue.ts';
import { seedRevenue } from './seedRevenue.ts';

/** Options of the metrics scenario. */
export interface MetricsOptions {
  /** Payment counts to measure at, ascending (default 1M and 10M). */
  sizes: number[];
  /** Timed queries per view and size (after 10 warm-up queries). */
  iterations: number;
  /** Time budget of the baseline per view and size (at least 3 queries run). */
  baselineSeconds: number;
  /**
   * Connections (upstream accounts) the payments are spread over, ⅔ of them Stripe, ⅓ HubSpot,
   * each active every day (default 2: `stripe-default` and `hubspot-default`). Shows whether a
   * view's cost depends on the number of connections.
   */
  paymentConnections?: number;
}

const VIEWS = [
  { name: 'summary', kind: 'total', run: summarizeRevenue },
  { name: 'daily', kind: 'day', run: dailyRevenue },
  { name: 'weekly', kind: 'week', run: weeklyRevenue },
] as const;

// The all-sources daily view. The seed approach always filtered by source, so its baseline is
// the one-source daily view of the same run: the ratio is what dropping the source filter costs.
const ALL_SOURCES_DAILY = { name: 'daily (all sources)', run: dailyRevenue } as const;

const CHUNK = 250_000;
const LANES = 2;

// Row g: 2/3 Stripe, 1/3 HubSpot; 6/7 USD; 4 % refunds; statuses spread over all five; spread
// evenly (multiplicative hashing) over the 365 days before the anchor.
const GENERATE_SQL = `
INSERT INTO payments (source, connection_id, external_id, kind, status, raw_status, amount_cents, refunded_cents, currency, occurred_at, customer_ref, source_updated_at)
SELECT CASE WHEN g % 3 = 0 THEN 'hubspot' ELSE 'stripe' END,
       -- Connection k of a source (k = (g / 3) mod its count; k = 0 is the default connection).
       CASE WHEN g % 3 = 0 THEN (CASE WHEN (g / 3) % $5 = 0 THEN 'hubspot-default' ELSE 'conn_bench_hubspot_' || (g / 3) % $5 END)
            ELSE (CASE WHEN (g / 3) % $4 = 0 THEN 'stripe-default' ELSE 'conn_bench_stripe_' || (g / 3) % $4 END) END,
       'bench_' || g,
       CASE WHEN g % 25 = 0 THEN 'refund' ELSE 'charge' END,
       (ARRAY['COLLECTED','COLLECTED','COLLECTED','COLLECTED','COLLECTED','COLLECTED','PENDING','FAILED','REFUNDED','UNKNOWN'])[1 + g % 10],
       'bench',
       100 + (g * 7919) % 250000,
       CASE WHEN g % 10 = 8 THEN 100 + (g * 7919) % 250000 ELSE 0 END,
       CASE WHEN g % 7 = 0 THEN 'EUR' ELSE 'USD' END,
       $3::timestamptz - make_interval(secs => (g * 2654435761) % 31536000),
       'cus_' || (g % 50000),
       $3::timestamptz
FROM generate_series($1::bigint, $2::bigint) AS g`;

/** The metrics scenario. */
export const metricsScenario: Scenario<MetricsOptions> = {
  name: 'metrics',
  description: 'p50/p99 of summary/daily/weekly at 1M and 10M payments vs (load rows, group in Node)',
  async run(ctx, opts) {
    const db = await ctx.databases.fresh({ poolMax: LANES + 2 });
    const results: BenchResult[] = [];
    try {
      const anchor = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()));
      const endDate = new Date(anchor.getTime() - 86_400_000).toISOString().slice(0, 10);
      const startDate = new Date(anchor.getTime() - 90 * 86_400_000).toISOString().slice(0, 10);
      const filters: RevenueFilters = { startDate, endDate, source: 'stripe', currency: 'USD', timezone: 'America/New_York' };
      const { source: _source, ...allSources } = filters;
      const connections = opts.paymentConnections ?? 2;
      const stripeConnections = Math.max(1, Math.round((connections * 2) / 3));
      const hubspotConnections = Math.max(1, connections - stripeConnections);
      let have = 0;
      for (const size of opts.sizes) {
        const label = countLabel(size);
        ctx.log(`metrics: generating payments ${have + 1}..${size} (triggers off, ${LANES} lanes)`);
        await db.pool.query('DROP INDEX IF EXISTS bench_payments_seed_filter');
        const gen = await timed(() => generate(db.pool, have + 1, size, anchor, [stripeConnections, hubspotConnections]));
        have = size;
        ctx.log(`metrics: ${label} generated in ${round(gen.ms / 1000, 1)} s; rebuilding the rollup`);
        const rebuild = await timed(() => rebuildRevenueRollup(db.pool));
        const prepare = await timed(async () => {
          await db.pool.query('CREATE INDEX bench_payments_seed_filter ON payments (source, currency, occurred_at) INCLUDE (kind, status, amount_cents, refunded_cents)');
          // Statistics for every table (payments, the rollup levels) and a visibility map for index-only scans.
          await db.pool.query('VACUUM ANALYZE');
        });
        const common = { payments: size, paymentConnections: stripeConnections + hubspotConnections, filters, generateS: round(gen.ms / 1000, 1), rollupRebuildS: round(rebuild.ms / 1000, 1), rollupRows: rebuild.result.rows, baselineIndexAndVacuumS: round(prepare.ms / 1000, 1) };

        const oneSourceDaily: number[] = [];
        for (const view of VIEWS) {
          ctx.log(`metrics: ${label} ${view.name}: ${opts.iterations} queries, then the seed's approach`);
          const samples = await sample(() => view.run(db.pool, filters), { iterations: opts.iterations, warmup: 10, budgetMs: Infinity });
          if (view.kind === 'day') oneSourceDaily.push(...samples);
          const seed = await sample(() => seedRevenue(db.pool, filters, view.kind), { iterations: opts.iterations, warmup: 1, budgetMs: opts.baselineSeconds * 1000 });
          const ours = await view.run(db.pool, filters);
          const theirs = await seedRevenue(db.pool, filters, view.kind);
          if (ours.totalRevenueCents !== theirs.total.gross.toString() || ours.count !== theirs.total.count) {
            throw new Error(`metrics bench: ${view.name} at ${label} disagrees with the seed approach (${ours.totalRevenueCents}/${ours.count} vs ${theirs.total.gross}/${theirs.total.count})`);
          }
          const plan = await explainRevenue(db.pool, filters, view.kind);
          const ms = (x: { planningMs: number; executionMs: number }) => ({ planningMs: round(x.planningMs, 2), executionMs: round(x.executionMs, 2) });
          const params = { ...common, iterations: samples.length, baselineIterations: seed.length, matchingCharges: ours.count, explain: { custom: ms(plan.custom), generic: ms(plan.generic) } };
          const base = (p: number) => ({ name: 'load rows, group in Node', value: round(percentile(seed, p), 1), unit: 'ms' });
          results.push(
            result({ scenario: 'metrics', metric: `${view.name} p50 @ ${label}`, value: round(percentile(samples, 50), 2), unit: 'ms', baseline: base(50), params }),
            result({ scenario: 'metrics', metric: `${view.name} p99 @ ${label}`, value: round(percentile(samples, 99), 2), unit: 'ms', baseline: base(99), target: targets.atMost(20, 'ms'), params }),
          );
        }
        ctx.log(`metrics: ${label} ${ALL_SOURCES_DAILY.name}: ${opts.iterations} queries`);
        const all = await sample(() => ALL_SOURCES_DAILY.run(db.pool, allSources), { iterations: opts.iterations, warmup: 10, budgetMs: Infinity });
        const allParams = { ...common, filters: allSources, iterations: all.length };
        const oneSource = (p: number) => ({ name: 'daily, source=stripe (same run)', value: round(percentile(oneSourceDaily, p), 2), unit: 'ms' });
        results.push(
          result({ scenario: 'metrics', metric: `${ALL_SOURCES_DAILY.name} p50 @ ${label}`, value: round(percentile(all, 50), 2), unit: 'ms', baseline: oneSource(50), params: allParams }),
          result({ scenario: 'metrics', metric: `${ALL_SOURCES_DAILY.name} p99 @ ${label}`, value: round(percentile(all, 99), 2), unit: 'ms', baseline: oneSource(99), target: targets.atMost(20, 'ms'), params: allParams }),
        );
      }
      return results;
    } finally {
      await db.drop();
    }
  },
};

async function generate(pool: Pool, from: number, to: number, anchor: Date, [stripeConnections, hubspotConnections]: [number, number]): Promise<void> {
  await pool.query('ALTER TABLE payments DISABLE TRIGGER USER');
  try {
    let next = from;
    await Promise.all(
      Array.from({ length: LANES }, async () => {
        while (next <= to) {
          const lo = next;
          const hi = Math.min(to, lo + CHUNK - 1);
          next = hi + 1;
          await pool.query(GENERATE_SQL, [lo, hi, anchor.toISOString(), stripeConnections, hubspotConnections]);
        }
      }),
    );
  } finally {
    await pool.query('ALTER TABLE payments ENABLE TRIGGER USER');
  }
}

// Sequential timed calls: `iterations` of them, or fewer once `budgetMs` is spent (at least 3).
async function sample(fn: () => Promise<unknown>, o: { iterations: number; warmup: number; budgetMs: number }): Promise<number[]> {
  for (let i = 0; i < o.warmup; i++) await fn();
  const out: number[] = [];
  const deadline = performance.now() + o.budgetMs;
  while (out.length < o.iterations && (out.length < 3 || performance.now() < deadline)) {
    out.push((await timed(fn)).ms);
  }
  return out;
}
