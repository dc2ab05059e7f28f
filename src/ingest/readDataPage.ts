/**
 * Reading the unified tables for the data endpoints: filters (source, connectionId, updatedSince) and keyset
 * pagination on (updated_at, id), so every page is an index range scan however deep it is and
 * a client walking the pages sees every row that does not change meanwhile exactly once. Not a
 * way to follow changes: updated_at is the writing transaction's start, so a row committed late
 * can land behind a reader's position (the change feed, src/changes, is the way; a walk started
 * after taking the feed's head is covered by it). Rows deleted upstream are left out unless asked
 * for. This file owns the column → JSON mapping the change feed reuses for its records.
 */
import type { Queryable } from '../db/index.ts';
import { decodeKeysetCursor, encodeKeysetCursor, type KeysetScope } from './keysetCursor.ts';

type Kind = 'text' | 'int8' | 'int' | 'ts' | 'bool';

// Column lists are fixed here (never from input): [column, JSON key, kind].
const COLUMNS = {
  payments: [
    ['source', 'source', 'text'], ['connection_id', 'connectionId', 'text'], ['external_id', 'externalId', 'text'], ['kind', 'kind', 'text'], ['status', 'status', 'text'],
    ['raw_status', 'rawStatus', 'text'], ['amount_cents', 'amountCents', 'int8'], ['refunded_cents', 'refundedCents', 'int8'],
    ['currency', 'currency', 'text'], ['occurred_at', 'occurredAt', 'ts'], ['customer_ref', 'customerRef', 'text'],
    ['parent_external_id', 'parentExternalId', 'text'], ['source_updated_at', 'sourceUpdatedAt', 'ts'], ['deleted_at', 'deletedAt', 'ts'],
  ],
  contacts: [
    ['source', 'source', 'text'], ['connection_id', 'connectionId', 'text'], ['external_id', 'externalId', 'text'], ['email', 'email', 'text'], ['first_name', 'firstName', 'text'],
    ['last_name', 'lastName', 'text'], ['phone', 'phone', 'text'], ['company', 'company', 'text'],
    ['lifecycle_stage', 'lifecycleStage', 'text'], ['source_updated_at', 'sourceUpdatedAt', 'ts'], ['deleted_at', 'deletedAt', 'ts'],
  ],
  calendar_events: [
    ['source', 'source', 'text'], ['connection_id', 'connectionId', 'text'], ['external_id', 'externalId', 'text'], ['calendar_id', 'calendarId', 'text'], ['status', 'status', 'text'],
    ['summary', 'summary', 'text'], ['starts_at', 'startsAt', 'ts'], ['ends_at', 'endsAt', 'ts'], ['all_day', 'allDay', 'bool'],
    ['source_updated_at', 'sourceUpdatedAt', 'ts'], ['deleted_at', 'deletedAt', 'ts'],
  ],
  campaigns: [
    ['source', 'source', 'text'], ['connection_id', 'connectionId', 'text'], ['external_id', 'externalId', 'text'], ['name', 'name', 'text'], ['status', 'status', 'text'],
    ['budget_cents', 'budgetCents', 'int8'], ['impressions', 'impressions', 'int'], ['clicks', 'clicks', 'int'],
    ['conversions', 'conversions', 'int'], ['source_created_at', 'sourceCreatedAt', 'ts'], ['synced_at', 'syncedAt', 'ts'],
    ['deleted_at', 'deletedAt', 'ts'],
  ],
} as const satisfies Record<string, ReadonlyArray<readonly [string, string, Kind]>>;

/** A table the data endpoints read. */
export type DataTable = keyof typeof COLUMNS;

/** The tables the data endpoints read. */
export const DATA_TABLES = Object.keys(COLUMNS) as DataTable[];

/** The stored columns a table's rows show (besides id, created_at and updated_at). */
export function dataColumns(table: DataTable): string[] {
  return COLUMNS[table].map(([c]) => c);
}

/** A stored row (id, created_at, updated_at and {@link dataColumns}) as the data endpoints show it. */
export function toDataRow(table: DataTable, r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { id: String(r.id) };
  for (const [col, key, kind] of COLUMNS[table]) out[key] = toJson(r[col], kind);
  out.createdAt = (r.created_at as Date).toISOString();
  out.updatedAt = (r.updated_at as Date).toISOString();
  return out;
}

/** Filters and page of {@link readDataPage}. */
export interface DataPageQuery {
  source?: string;
  connectionId?: string;
  updatedSince?: string;
  limit: number;
  cursor?: string;
  /** 'true': rows deleted upstream too (the query string's text, or a boolean). */
  includeDeleted?: 'true' | 'false' | boolean;
}

/** One page of rows (JSON-ready: int8 as strings, timestamps ISO) and the cursor of the next one. */
export async function readDataPage(db: Queryable, table: DataTable, q: DataPageQuery): Promise<{ data: Array<Record<string, unknown>>; nextCursor: string | null }> {
  const cols = COLUMNS[table];
  const includeDeleted = q.includeDeleted === true || q.includeDeleted === 'true';
  const scope: KeysetScope = { table, source: q.source, connectionId: q.connectionId, updatedSince: q.updatedSince, includeDeleted };
  const after = q.cursor ? decodeKeysetCursor(q.cursor, scope) : null;
  // extract(epoch) is exact numeric (PostgreSQL 14+), so the cursor keeps the microseconds.
  const sql = `
    SELECT id, created_at, updated_at, (extract(epoch FROM updated_at) * 1000000)::bigint AS updated_us,
           ${cols.map(([c]) => c).join(', ')}
    FROM ${table}
    WHERE ($1::text IS NULL OR source = $1)
      AND ($2::timestamptz IS NULL OR updated_at >= $2)
      AND ($3::bigint IS NULL OR (updated_at, id) > (timestamptz 'epoch' + $3::bigint * interval '1 microsecond', $4::bigint))
      AND ($6 OR deleted_at IS NULL)
      AND ($7::text IS NULL OR connection_id = $7)
    ORDER BY updated_at, id
    LIMIT $5`;
  const { rows } = await db.query<Record<string, unknown> & { id: string; updated_us: string; created_at: Date; updated_at: Date }>(sql, [
    q.source ?? null, q.updatedSince ?? null, after?.updatedAtUs ?? null, after?.id ?? null, q.limit + 1, includeDeleted, q.connectionId ?? null,
  ]);
  const page = rows.slice(0, q.limit);
  const data = page.map((r) => toDataRow(table, r));
  const last = page[page.length - 1];
  return { data, nextCursor: rows.length > q.limit && last ? encodeKeysetCursor(scope, { updatedAtUs: last.updated_us, id: last.id }) : null };
}

function toJson(v: unknown, kind: Kind): unknown {
  if (v === null || v === undefined) return null;
  if (kind === 'ts') return (v as Date).toISOString();
  if (kind === 'int') return Number(v);
  return v;
}
