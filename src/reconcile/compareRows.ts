/**
 * Comparing an upstream record's unified row with the stored one, field by field, in one
 * comparable text form (timestamps as epoch ms, amounts and counts as decimal text, booleans as
 * 'true'/'false'). Only what the normalizer produces from upstream content is compared: not the
 * version (a list read's version is the time of the read) nor `synced_at` (our own call).
 */
import type { UnifiedRecord } from '../connectors/index.ts';
import { UNIFIED_COLUMNS, type UnifiedColumn } from '../ingest/index.ts';

/** The unified tables a reconciliation compares. */
export type ComparedTable = 'payments' | 'contacts' | 'calendar_events' | 'campaigns';

/** A row's compared fields as text (null: no value). */
export type Comparable = Record<string, string | null>;

/**
 * Compared columns per table: exactly the data columns the upsert writes (UNIFIED_COLUMNS), so a
 * column added there is compared here too. `keep`: the upsert keeps the stored value when the
 * incoming one is null (source_updated_at; a cancelled event's fields), so an upstream null is
 * not a difference.
 */
export const COMPARED: Record<ComparedTable, Array<{ col: string; field: string; kind: 'text' | 'time' | 'bool'; keep?: 'null' | 'cancelled' }>> = {
  payments: comparedOf(UNIFIED_COLUMNS.payments),
  contacts: comparedOf(UNIFIED_COLUMNS.contacts),
  calendar_events: comparedOf(UNIFIED_COLUMNS.calendar_events),
  campaigns: comparedOf(UNIFIED_COLUMNS.campaigns),
};

function comparedOf(columns: readonly UnifiedColumn[]): Array<{ col: string; field: string; kind: 'text' | 'time' | 'bool'; keep?: 'null' | 'cancelled' }> {
  return columns.map(({ col, field, type, keep }) => ({ col, field, kind: type === 'timestamptz' ? 'time' : type === 'boolean' ? 'bool' : 'text', ...(keep ? { keep } : {}) }));
}

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
