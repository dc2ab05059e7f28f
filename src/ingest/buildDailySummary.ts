/**
 * The daily summary: for one UTC day, per source the runs by status and the records they
 * fetched, enqueued, upserted and failed (named as in the run report); the DLQ size; and the
 * day's revenue (from the revenue module, the one definition of revenue).
 */
import { SOURCES } from '../config.ts';
import type { Queryable } from '../db/index.ts';
import { queueStats } from '../queue/index.ts';
import { parseRevenueFilters, summarizeRevenue } from '../revenue/index.ts';
import { failedRecordCounts } from './runs.ts';
import { INGEST_QUEUE } from './types.ts';

/** The summary document (posted as JSON, logged as one line). */
export interface DailySummary {
  type: 'buffalo.daily_summary';
  date: string;
  generatedAt: string;
  sources: Array<{
    source: string;
    runs: { total: number; success: number; partial: number; failed: number; skipped: number };
    /** Summed over the day's runs, with the run report's field names. */
    recordsFetched: number;
    recordsEnqueued: number;
    recordsUpserted: number;
    recordsFailed: number;
  }>;
  dlq: { ingest: number; total: number };
  revenue: { currency: string; totalRevenueCents: string; refundedCents: string; netRevenueCents: string; count: number };
  /** The last reconciliation per source, with a warning per source whose tables differ (added by the reconcile module). */
  reconciliation?: { warnings: string[]; sources: Record<string, unknown> };
}

const RUNS_SQL = `
SELECT r.source,
  count(*)::int AS total,
  count(*) FILTER (WHERE r.status = 'success')::int AS success,
  count(*) FILTER (WHERE r.status = 'partial')::int AS partial,
  count(*) FILTER (WHERE r.status = 'failed')::int AS failed,
  count(*) FILTER (WHERE r.status = 'skipped')::int AS skipped,
  COALESCE(sum(r.records_fetched), 0)::int AS records_fetched,
  COALESCE(sum(r.records_enqueued), 0)::int AS records_enqueued,
  COALESCE(sum((SELECT sum(t.records_upserted) FROM sync_run_tallies t WHERE t.run_id = r.id)), 0)::bigint AS records_upserted,
  array_agg(r.id::text) AS run_ids
FROM sync_runs r
-- The day is a UTC day whatever the session time zone.
WHERE r.created_at >= ($1::date::timestamp AT TIME ZONE 'UTC') AND r.created_at < (($1::date + 1)::timestamp AT TIME ZONE 'UTC')
GROUP BY r.source`;

/** Build the summary of UTC day `date` (YYYY-MM-DD). */
export async function buildDailySummary(db: Queryable, date: string, now: Date): Promise<DailySummary> {
  // One after the other: `db` may be a single transaction client.
  const runs = await db.query<{ source: string; total: number; success: number; partial: number; failed: number; skipped: number; records_fetched: number; records_enqueued: number; records_upserted: string; run_ids: string[] }>(RUNS_SQL, [date]);
  // Failed records as the run report counts them (the one owner: runs.ts).
  const failed = await failedRecordCounts(db, runs.rows.flatMap((r) => r.run_ids));
  const queues = await queueStats(db);
  const revenue = await summarizeRevenue(db, parseRevenueFilters({ startDate: date, endDate: date, timezone: 'UTC' }));
  const bySource = new Map(runs.rows.map((r) => [r.source, r]));
  return {
    type: 'buffalo.daily_summary',
    date,
    generatedAt: now.toISOString(),
    sources: SOURCES.map((source) => {
      const r = bySource.get(source);
      return {
        source,
        runs: { total: r?.total ?? 0, success: r?.success ?? 0, partial: r?.partial ?? 0, failed: r?.failed ?? 0, skipped: r?.skipped ?? 0 },
        recordsFetched: r?.records_fetched ?? 0,
        recordsEnqueued: r?.records_enqueued ?? 0,
        recordsUpserted: Number(r?.records_upserted ?? 0),
        recordsFailed: (r?.run_ids ?? []).reduce((n, id) => n + (failed.get(id) ?? 0), 0),
      };
    }),
    dlq: { ingest: queues.find((q) => q.queue === INGEST_QUEUE)?.dead ?? 0, total: queues.reduce((n, q) => n + q.dead, 0) },
    revenue: { currency: revenue.currency, totalRevenueCents: revenue.totalRevenueCents, refundedCents: revenue.refundedCents, netRevenueCents: revenue.netRevenueCents, count: revenue.count },
  };
}
