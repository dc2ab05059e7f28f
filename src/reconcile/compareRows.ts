/**
 * Comparing an upstream record's unified row with the stored one, field by field, in one
 * comparable text form (timestamps as epoch ms, amounts and counts as decimal text, booleans as
 * 'true'/'false'). Only what the normalizer produces from upstream content is compared: not the
 * version (a list read's version is the time of the read) nor `synced_at` (our own call).
 */
import type { UnifiedRecord } from '../connectors/index.ts';

/** The unified tables a reconciliation compares. */
export type ComparedTable = 'payments' | 'contacts' | 'calendar_events' | 'campaigns';

/** A row's compared fields as text (null: no value). */
export type Comparable = Record<string, string | null>;

/**
 * Compared columns per table. `keep`: the upsert keeps the stored value when the incoming one is
 * null (source_updated_at; a cancelled event's fields), so an upstream null is not a difference.
 */
export const COMPARED: Record<ComparedTable, Array<{ col: string; field: string; kind: 'text' | 'time' | 'bool'; keep?: 'null' | 'cancelled' }>> = {
  payments: [
    { col: 'kind', field: 'kind', kind: 'text' },
    { col: 'status', field: 'status', kind: 'text' },
    { col: 'raw_status', field: 'rawStatus', kind: 'text' },
    { col: 'amount_cents', field: 'amountCents', kind: 'text' },
    { col: 'refunded_cents', field: 'refundedCents', kind: 'text' },
    { col: 'currency', field: 'currency', kind: 'text' },
    { col: 'occurred_at', field: 'occurredAt', kind: 'time' },
    { col: 'customer_ref', field: 'customerRef', kind: 'text' },
    { col: 'parent_external_id', field: 'parentExternalId', kind: 'text' },
    { col: 'source_updated_at', field: 'sourceUpdatedAt', kind: 'time', keep: 'null' },
  ],
  contacts: [
    { col: 'email', field: 'email', kind: 'text' },
    { col: 'first_name', field: 'firstName', kind: 'text' },
    { col: 'last_name', field: 'lastName', kind: 'text' },
    { col: 'phone', field: 'phone', kind: 'text' },
    { col: 'company', field: 'company', kind: 'text' },
    { col: 'lifecycle_stage', field: 'lifecycleStage', kind: 'text' },
    { col: 'source_updated_at', field: 'sourceUpdatedAt', kind: 'time', keep: 'null' },
  ],
  calendar_events: [
    { col: 'calendar_id', field: 'calendarId', kind: 'text' },
    { col: 'status', field: 'status', kind: 'text' },
    { col: 'summary', field: 'summary', kind: 'text', keep: 'cancelled' },
    { col: 'starts_at', field: 'startsAt', kind: 'time', keep: 'cancelled' },
    { col: 'ends_at', field: 'endsAt', kind: 'time', keep: 'cancelled' },
    { col: 'all_day', field: 'allDay', kind: 'bool', keep: 'cancelled' },
    { col: 'source_updated_at', field: 'sourceUpdatedAt', kind: 'time', keep: 'null' },
  ],
  campaigns: [
    { col: 'name', field: 'name', kind: 'text' },
    { col: 'status', field: 'status', kind: 'text' },
    { col: 'budget_cents', field: 'budgetCents', kind: 'text' },
    { col: 'impressions', field: 'impressions', kind: 'text' },
    { col: 'clicks', field: 'clicks', kind: 'text' },
    { col: 'conversions', field: 'conversions', kind: 'text' },
    { col: 'source_created_at', field: 'createdAt', kind: 'time' },
  ],
};

/** One field that differs. */
export interface FieldDifference {
  field: string;
  stored: string | null;
  upstream: string | null;
}

/** Whether a unified record is one of the compared tables (not a campaign's sync time). */
export function isCompared(u: UnifiedRecord): u is Extract<UnifiedRecord, { table: ComparedTable }> {
  return u.table in COMPARED;
}

/** The comparable form of a normalized row. */
export function comparableOf(table: ComparedTable, row: object): Comparable {
  const values = row as Record<string, unknown>;
  const out: Comparable = {};
  for (const c of COMPARED[table]) out[c.field] = toText(values[c.field], c.kind);
  return out;
}

/** The fields where `stored` differs from `upstream` (empty: equal). */
export function differences(table: ComparedTable, stored: Comparable, upstream: Comparable): FieldDifference[] {
  const cancelled = upstream.status === 'cancelled';
  const out: FieldDifference[] = [];
  for (const c of COMPARED[table]) {
    const up = upstream[c.field] ?? null;
    if (up === null && (c.keep === 'null' || (c.keep === 'cancelled' && cancelled))) continue;
    const here = stored[c.field] ?? null;
    if (here !== up) out.push({ field: c.field, stored: here, upstream: up });
  }
  return out;
}

function toText(v: unknown, kind: 'text' | 'time' | 'bool'): string | null {
  if (v === null || v === undefined) return null;
  if (kind === 'time') {
    const ms = typeof v === 'number' ? v : Date.parse(String(v));
    return Number.isFinite(ms) ? String(Math.floor(ms)) : String(v);
  }
  if (kind === 'bool') return v ? 'true' : 'false';
  return String(v);
}
