/**
 * An independent revenue reference for tests: plain TypeScript over payment rows, local dates
 * from Intl (ICU), BigInt sums. It restates the definition on purpose instead of importing it,
 * so a change to src/revenue/definition.ts must be made here too, deliberately.
 */
import type { Queryable } from '../../src/db/index.ts';

/** A payment as tests write it. */
export interface TestPayment {
  source: 'stripe' | 'hubspot';
  /** The connection (upstream account); absent = the source's default connection, `<source>-default`. */
  connectionId?: string;
  externalId: string;
  kind: 'charge' | 'refund';
  status: 'COLLECTED' | 'PENDING' | 'FAILED' | 'REFUNDED' | 'UNKNOWN';
  amountCents: bigint;
  refundedCents: bigint;
  currency: string;
  occurredAt: Date;
}

/** Filters as the views take them. */
export interface RefFilters {
  startDate?: string;
  endDate?: string;
  source?: 'stripe' | 'hubspot';
  connectionId?: string;
  currency: string;
  timezone: string;
}

/** The connection a test payment belongs to. */
export function connectionOf(p: Pick<TestPayment, 'source' | 'connectionId'>): string {
  return p.connectionId ?? `${p.source}-default`;
}

/** Expected amounts of a view or bucket. */
export interface RefAmounts {
  amountCents: string;
  refundedCents: string;
  netRevenueCents: string;
  count: number;
}

/** Expected total and non-empty buckets (ascending) of a view. */
export interface RefView {
  total: RefAmounts;
  buckets: Array<RefAmounts & { start: string }>;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The local calendar date (YYYY-MM-DD) of an instant in a time zone, by ICU. */
export function localDate(at: Date, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** Monday of the ISO week containing a date. */
export function mondayOf(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

/** Expected view over `payments` for the filters: 'total', 'day' or 'week' buckets. */
export function referenceView(payments: TestPayment[], f: RefFilters, kind: 'total' | 'day' | 'week'): RefView {
  const sums = new Map<string, { gross: bigint; refunded: bigint; count: number }>();
  const total = { gross: 0n, refunded: 0n, count: 0 };
  for (const p of payments) {
    if (p.kind !== 'charge' || (p.status !== 'COLLECTED' && p.status !== 'REFUNDED')) continue;
    if (p.currency !== f.currency || (f.source && p.source !== f.source) || (f.connectionId && connectionOf(p) !== f.connectionId)) continue;
    const day = localDate(p.occurredAt, f.timezone);
    if ((f.startDate && day < f.startDate) || (f.endDate && day > f.endDate)) continue;
    const key = kind === 'week' ? mondayOf(day) : kind === 'day' ? day : '';
    const s = sums.get(key) ?? { gross: 0n, refunded: 0n, count: 0 };
    s.gross += p.amountCents;
    s.refunded += p.refundedCents;
    s.count += 1;
    sums.set(key, s);
    total.gross += p.amountCents;
    total.refunded += p.refundedCents;
    total.count += 1;
  }
  const amounts = (s: { gross: bigint; refunded: bigint; count: number }): RefAmounts => ({
    amountCents: s.gross.toString(),
    refundedCents: s.refunded.toString(),
    netRevenueCents: (s.gross - s.refunded).toString(),
    count: s.count,
  });
  const buckets = kind === 'total' ? [] : [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([start, s]) => ({ start, ...amounts(s) }));
  return { total: amounts(total), buckets };
}

/** Upsert payments the way ingestion does: one multi-row INSERT … ON CONFLICT (connection_id, external_id) DO UPDATE. */
export async function upsertPayments(db: Queryable, rows: TestPayment[]): Promise<void> {
  if (rows.length === 0) return;
  const values: unknown[] = [];
  // Key order, as a well-behaved batch writer does, so concurrent batches cannot deadlock on payment rows.
  const keyOf = (p: TestPayment) => `${connectionOf(p)}\u0000${p.externalId}`;
  const sorted = [...rows].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
  const tuples = sorted.map((p, i) => {
    values.push(p.source, connectionOf(p), p.externalId, p.kind, p.status, p.amountCents.toString(), p.refundedCents.toString(), p.currency, p.occurredAt.toISOString());
    const b = i * 9;
    return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, 'raw', $${b + 6}::bigint, $${b + 7}::bigint, $${b + 8}, $${b + 9}::timestamptz)`;
  });
  await db.query(
    `INSERT INTO payments (source, connection_id, external_id, kind, status, raw_status, amount_cents, refunded_cents, currency, occurred_at)
     VALUES ${tuples.join(', ')}
     ON CONFLICT (connection_id, external_id) DO UPDATE SET kind = EXCLUDED.kind, status = EXCLUDED.status,
       amount_cents = EXCLUDED.amount_cents, refunded_cents = EXCLUDED.refunded_cents, currency = EXCLUDED.currency,
       occurred_at = EXCLUDED.occurred_at, updated_at = now()`,
    values,
  );
}

/** Every payment currently stored, as test rows. */
export async function loadPayments(db: Queryable): Promise<TestPayment[]> {
  const { rows } = await db.query<{ source: TestPayment['source']; connection_id: string; external_id: string; kind: TestPayment['kind']; status: TestPayment['status']; amount_cents: string; refunded_cents: string; currency: string; occurred_at: Date }>(
    'SELECT source, connection_id, external_id, kind, status, amount_cents, refunded_cents, currency, occurred_at FROM payments',
  );
  return rows.map((r) => ({
    source: r.source,
    connectionId: r.connection_id,
    externalId: r.external_id,
    kind: r.kind,
    status: r.status,
    amountCents: BigInt(r.amount_cents),
    refundedCents: BigInt(r.refunded_cents),
    currency: r.currency,
    occurredAt: r.occurred_at,
  }));
}
