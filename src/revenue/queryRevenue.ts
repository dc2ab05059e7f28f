/** Revenue summary, daily and weekly views: one SQL statement each, with the filters echoed in every response. */
import type { Queryable } from '../db/index.ts';
import { revenueStatement, type BucketKind } from './revenueSql.ts';
import { timeZoneRejected, type RevenueFilters } from './parseRevenueQuery.ts';

/** Money totals shared by responses and buckets; cents are exact decimal strings. */
export interface RevenueAmounts {
  /** Gross revenue of the counted charges. */
  amountCents: string;
  refundedCents: string;
  netRevenueCents: string;
  count: number;
}

/** What every view answers with (the filters echoed back; absent ones as null). */
export interface RevenueSummary {
  totalRevenueCents: string;
  refundedCents: string;
  netRevenueCents: string;
  count: number;
  currency: string;
  timezone: string;
  startDate: string | null;
  endDate: string | null;
  source: string | null;
  /** The connection (upstream account) filter, e.g. `stripe-default`; null for all connections. */
  connectionId: string | null;
}

/** Daily view: only days with at least one counted charge, ascending. */
export interface DailyRevenue extends RevenueSummary {
  breakdown: Array<RevenueAmounts & { date: string }>;
}

/** Weekly view: Monday-started local weeks with at least one counted charge, ascending. */
export interface WeeklyRevenue extends RevenueSummary {
  breakdown: Array<RevenueAmounts & { weekStartDate: string }>;
}

interface Row {
  bucket: string | null;
  gross: string;
  refunded: string;
  net: string;
  n: string;
}

/**
 * Run the view's single statement. The first row is the total (bucket null), the others the
 * non-empty buckets; the total is computed from those buckets in the same statement.
 */
export async function queryRevenue(db: Queryable, filters: RevenueFilters, kind: BucketKind): Promise<{ total: RevenueAmounts; buckets: Array<RevenueAmounts & { start: string }> }> {
  const params: unknown[] = [filters.currency, filters.timezone, filters.startDate ?? null, filters.endDate ?? null, kind];
  if (filters.source) params.push(filters.source);
  if (filters.connectionId) params.push(filters.connectionId);
  let rows: Row[];
  try {
    // Named statements keep their plan per database session: planning this statement costs more than running it.
    const res = await db.query<Row>({ ...revenueStatement({ bySource: !!filters.source, byConnection: !!filters.connectionId }), values: params });
    rows = res.rows;
  } catch (err) {
    throw timeZoneRejected(err, filters.timezone) ?? err;
  }
  const [totalRow, ...bucketRows] = rows;
  if (!totalRow || totalRow.bucket !== null) throw new Error('revenue statement returned no total row');
  return { total: amounts(totalRow), buckets: bucketRows.map((r) => ({ start: r.bucket as string, ...amounts(r) })) };
}

/** Total revenue for the filters. */
export async function summarizeRevenue(db: Queryable, filters: RevenueFilters): Promise<RevenueSummary> {
  const { total } = await queryRevenue(db, filters, 'total');
  return header(filters, total);
}

/** Revenue per local day for the filters; the buckets sum exactly to the total. */
export async function dailyRevenue(db: Queryable, filters: RevenueFilters): Promise<DailyRevenue> {
  const { total, buckets } = await queryRevenue(db, filters, 'day');
  return { ...header(filters, total), breakdown: buckets.map(({ start, ...a }) => ({ date: start, ...a })) };
}

/** Revenue per Monday-started local week; a range starting mid-week labels its first bucket with that week's Monday. */
export async function weeklyRevenue(db: Queryable, filters: RevenueFilters): Promise<WeeklyRevenue> {
  const { total, buckets } = await queryRevenue(db, filters, 'week');
  return { ...header(filters, total), breakdown: buckets.map(({ start, ...a }) => ({ weekStartDate: start, ...a })) };
}

function amounts(r: Row): RevenueAmounts {
  return { amountCents: r.gross, refundedCents: r.refunded, netRevenueCents: r.net, count: Number(r.n) };
}

function header(f: RevenueFilters, t: RevenueAmounts): RevenueSummary {
  return {
    totalRevenueCents: t.amountCents,
    refundedCents: t.refundedCents,
    netRevenueCents: t.netRevenueCents,
    count: t.count,
    currency: f.currency,
    timezone: f.timezone,
    startDate: f.startDate ?? null,
    endDate: f.endDate ?? null,
    source: f.source ?? null,
    connectionId: f.connectionId ?? null,
  };
}
