/**
 * Set-based upserts of unified rows (payments, contacts, calendar_events, campaigns) on
 * (connection_id, external_id): each row belongs to the connection whose job carried it. Rules
 * every statement follows:
 * - never regress: an update applies only if the incoming `source_version` may replace the stored
 *   one (connectors' versions.ts: the newest wins, an unknown version never replaces a known
 *   one), whatever path and order the rows took through the outbox;
 * - no churn: an identical row is not rewritten, and `updated_at` (the data endpoints' keyset)
 *   moves only when data changed (a newer version of the same data records just its version);
 * - a cancelled calendar event that carries only its id keeps the stored fields (COALESCE);
 * - deletes are state like any other: a row whose record says deleted gets `deleted_at` (kept
 *   from its first deletion while it stays deleted), a live one clears it (a record that comes
 *   back is restored), and a deletion known by key only (DeletionRow) marks a stored row under
 *   the same version rule, after the batch's upserts.
 * Rows travel as one JSON array per statement (json_to_recordset: read as text, not built into a
 * jsonb value first, which cost a third more per row), so a batch is one round trip.
 */
import { mayReplace, timeVersion, type CalendarEventRow, type CampaignRow, type ContactRow, type DeletableTable, type DeletionRow, type PaymentRow, type UnifiedRecord } from '../connectors/index.ts';
import type { Queryable } from '../db/index.ts';

/** A unified row of one connection (normalizers are pure: the pipeline stamps the connection). */
export type Scoped<R> = R & { connectionId: string };

/** Unified rows grouped by table. */
export interface UnifiedBatch {
  payments: Array<Scoped<PaymentRow>>;
  contacts: Array<Scoped<ContactRow>>;
  calendar_events: Array<Scoped<CalendarEventRow>>;
  campaigns: Array<Scoped<CampaignRow>>;
  campaign_syncs: Array<Scoped<{ source: string; externalId: string; syncedAt: string }>>;
  deletions: Array<Scoped<DeletionRow>>;
}

/** An empty batch. */
export function emptyBatch(): UnifiedBatch {
  return { payments: [], contacts: [], calendar_events: [], campaigns: [], campaign_syncs: [], deletions: [] };
}

/** Add the normalized records of one connection to a batch. */
export function addToBatch(batch: UnifiedBatch, records: readonly UnifiedRecord[], connectionId: string): void {
  for (const r of records) (batch[r.table] as unknown[]).push({ ...r.row, connectionId });
}

/**
 * Give every versioned row the version its raw record travelled with (a listed Stripe charge
 * knows only when it was read); rows of a record without one keep their own.
 */
export function stampVersion(records: readonly UnifiedRecord[], version: string | null | undefined): UnifiedRecord[] {
  if (version === null || version === undefined) return [...records];
  return records.map((r) => (r.table === 'campaign_syncs' ? r : ({ ...r, row: { ...r.row, sourceVersion: version } } as UnifiedRecord)));
}

/** Number of rows in a batch. */
export function batchSize(batch: UnifiedBatch): number {
  return Object.values(batch).reduce((n, rows: unknown[]) => n + rows.length, 0);
}

type Versioned = { source: string; externalId: string; sourceVersion?: string | null; sourceUpdatedAt?: string | null };
type Keyed = { connectionId: string; externalId: string };

/**
 * A row's version: its own, or (rows from normalizers that predate versions) its upstream
 * modification time.
 */
export function versionOfRow(row: Versioned): string | null {
  return row.sourceVersion ?? (row.sourceUpdatedAt ? timeVersion(row.sourceUpdatedAt) : null);
}

// One statement cannot touch the same key twice: keep the newest version of each key (by the
// same rule as the statements; a later position wins ties). Rows leave with their version set.
function newestPerKey<T extends Versioned & Keyed>(rows: readonly T[]): T[] {
  const byKey = new Map<string, T>();
  for (const r of rows) {
    const row = { ...r, sourceVersion: versionOfRow(r) };
    const key = `${row.connectionId}\u0000${row.externalId}`;
    const prev = byKey.get(key);
    if (prev && !mayReplace(row.sourceVersion, prev.sourceVersion)) continue;
    byKey.set(key, row);
  }
  return sortByKey([...byKey.values()]);
}

// Concurrent processors lock rows in the same (key) order, so their batches cannot deadlock.
function sortByKey<T extends Keyed>(rows: T[]): T[] {
  return rows.sort((a, b) => (a.connectionId < b.connectionId ? -1 : a.connectionId > b.connectionId ? 1 : a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));
}

/**
 * One data column of a unified table: its name, the field of the normalized row it comes from,
 * its SQL type, and when the stored value is kept over the incoming one — when the incoming one
 * is null ('null': a read without that field), or when the row is a cancellation carrying only
 * its id ('cancelled'). Reconciliation compares exactly these columns (src/reconcile).
 */
export interface UnifiedColumn {
  col: string;
  field: string;
  type: string;
  /** Cast from the JSON type (e.g. '::bigint' for exact money carried as text). */
  cast?: string;
  keep?: 'null' | 'cancelled';
}

// The deletion column's insert value and update rule are its own (see deletedAt below).
interface Column extends UnifiedColumn {
  /** The SET expression when it is not simply `excluded.<col>`. */
  set?: string;
  /** The inserted value and the JSON fields it reads, when not simply `"<field>"<cast>` of one field. */
  from?: { value: string; fields: string };
}

// The SQL twin of mayReplace(): source_version columns are COLLATE "C" (byte order).
const MAY_REPLACE = '(t.source_version IS NULL OR (excluded.source_version IS NOT NULL AND excluded.source_version >= t.source_version))';
const KEEP_KNOWN = (col: string) => `COALESCE(excluded.${col}, t.${col})`;
// A cancellation carrying only the id has null fields: keep what is stored for those.
const KEEP_IF_CANCELLED = (col: string) => `CASE WHEN excluded.status = 'cancelled' THEN COALESCE(excluded.${col}, t.${col}) ELSE excluded.${col} END`;
const setOf = (c: Column) => c.set ?? (c.keep === 'null' ? KEEP_KNOWN(c.col) : c.keep === 'cancelled' ? KEEP_IF_CANCELLED(c.col) : `excluded.${c.col}`);

/**
 * INSERT … ON CONFLICT DO UPDATE of `table` from a JSON array of rows: applied only when the
 * incoming version may replace the stored one and something (data or version) differs;
 * `updated_at` moves only when the data did.
 */
function upsertSql(table: string, own: readonly Column[]): string {
  const columns = [...own, deletedAt];
  const cols: Column[] = [...columns, { col: 'source_version', field: 'sourceVersion', type: 'text' }];
  const data = columns.map(setOf);
  const version = KEEP_KNOWN('source_version');
  // Only the rows this statement moved from live to deleted come back (recordsDeleted).
  return `
WITH written AS (
INSERT INTO ${table} AS t (source, connection_id, external_id, ${cols.map((c) => c.col).join(', ')})
SELECT source, "connectionId", "externalId", ${cols.map((c) => c.from?.value ?? `"${c.field}"${c.cast ?? ''}`).join(', ')}
FROM json_to_recordset($1::json) AS r(source text, "connectionId" text, "externalId" text, ${cols.map((c) => c.from?.fields ?? `"${c.field}" ${c.type}`).join(', ')})
ON CONFLICT (connection_id, external_id) DO UPDATE SET
  ${columns.map((c, i) => `${c.col} = ${data[i]}`).join(', ')}, source_version = ${version},
  updated_at = CASE WHEN (${columns.map((c) => `t.${c.col}`).join(', ')}) IS DISTINCT FROM (${data.join(', ')}) THEN now() ELSE t.updated_at END
WHERE ${MAY_REPLACE}
  AND (${columns.map((c) => `t.${c.col}`).join(', ')}, t.source_version) IS DISTINCT FROM (${data.join(', ')}, ${version})
RETURNING t.connection_id, t.external_id, old.external_id IS NOT NULL AND old.deleted_at IS NULL AND new.deleted_at IS NOT NULL AS newly_deleted)
SELECT connection_id, external_id FROM written WHERE newly_deleted`;
}

// Deleted upstream: stored with the upstream's deletion time, else when first stored as deleted;
// a row that stays deleted keeps its first deletion time (no churn), a live one clears it.
const deletedAt: Column = {
  col: 'deleted_at',
  field: 'deletedAt',
  type: 'timestamptz',
  from: { value: 'CASE WHEN "deleted" THEN COALESCE("deletedAt", now()) END', fields: '"deleted" boolean, "deletedAt" timestamptz' },
  set: 'CASE WHEN excluded.deleted_at IS NULL THEN NULL ELSE COALESCE(t.deleted_at, excluded.deleted_at) END',
};

// A deletion known by key: marks a live stored row whose version it may replace, and takes that
// version so that no older state still in flight brings the row back.
const deletionSql = (table: DeletableTable) => `
UPDATE ${table} t SET deleted_at = COALESCE(r."deletedAt", now()), source_version = COALESCE(r."sourceVersion", t.source_version), updated_at = now()
FROM json_to_recordset($1::json) AS r("connectionId" text, "externalId" text, "deletedAt" timestamptz, "sourceVersion" text)
WHERE t.connection_id = r."connectionId" AND t.external_id = r."externalId" AND t.deleted_at IS NULL
  AND (t.source_version IS NULL OR (r."sourceVersion" IS NOT NULL AND r."sourceVersion" COLLATE "C" >= t.source_version))
RETURNING t.connection_id, t.external_id`;

// Rows from a read without a modification time keep the one an event gave them.
const sourceUpdatedAt: UnifiedColumn = { col: 'source_updated_at', field: 'sourceUpdatedAt', type: 'timestamptz', keep: 'null' };

/** The data columns of each unified table, as the upsert writes them. */
export const UNIFIED_COLUMNS: Readonly<Record<DeletableTable, readonly UnifiedColumn[]>> = {
  payments: [
    { col: 'kind', field: 'kind', type: 'text' },
    { col: 'status', field: 'status', type: 'text' },
    { col: 'raw_status', field: 'rawStatus', type: 'text' },
    { col: 'amount_cents', field: 'amountCents', type: 'text', cast: '::bigint' },
    { col: 'refunded_cents', field: 'refundedCents', type: 'text', cast: '::bigint' },
    { col: 'currency', field: 'currency', type: 'text' },
    { col: 'occurred_at', field: 'occurredAt', type: 'timestamptz' },
    { col: 'customer_ref', field: 'customerRef', type: 'text' },
    { col: 'parent_external_id', field: 'parentExternalId', type: 'text' },
    sourceUpdatedAt,
  ],
  contacts: [
    { col: 'email', field: 'email', type: 'text' },
    { col: 'first_name', field: 'firstName', type: 'text' },
    { col: 'last_name', field: 'lastName', type: 'text' },
    { col: 'phone', field: 'phone', type: 'text' },
    { col: 'company', field: 'company', type: 'text' },
    { col: 'lifecycle_stage', field: 'lifecycleStage', type: 'text' },
    sourceUpdatedAt,
  ],
  calendar_events: [
    { col: 'calendar_id', field: 'calendarId', type: 'text' },
    { col: 'status', field: 'status', type: 'text' },
    { col: 'summary', field: 'summary', type: 'text', keep: 'cancelled' },
    { col: 'starts_at', field: 'startsAt', type: 'timestamptz', keep: 'cancelled' },
    { col: 'ends_at', field: 'endsAt', type: 'timestamptz', keep: 'cancelled' },
    { col: 'all_day', field: 'allDay', type: 'boolean', keep: 'cancelled' },
    sourceUpdatedAt,
  ],
  // Campaigns carry no upstream modification time: their version is when they were listed.
  campaigns: [
    { col: 'name', field: 'name', type: 'text' },
    { col: 'status', field: 'status', type: 'text' },
    { col: 'budget_cents', field: 'budgetCents', type: 'text', cast: '::bigint' },
    { col: 'impressions', field: 'impressions', type: 'bigint' },
    { col: 'clicks', field: 'clicks', type: 'bigint' },
    { col: 'conversions', field: 'conversions', type: 'bigint' },
    { col: 'source_created_at', field: 'createdAt', type: 'timestamptz' },
  ],
};

const PAYMENTS_SQL = upsertSql('payments', UNIFIED_COLUMNS.payments);
const CONTACTS_SQL = upsertSql('contacts', UNIFIED_COLUMNS.contacts);
const CALENDAR_SQL = upsertSql('calendar_events', UNIFIED_COLUMNS.calendar_events);
const CAMPAIGNS_SQL = upsertSql('campaigns', UNIFIED_COLUMNS.campaigns);

// synced_at only moves forward. Returns the keys that matched a stored campaign.
const CAMPAIGN_SYNCS_SQL = `
UPDATE campaigns t SET
  synced_at = GREATEST(t.synced_at, r."syncedAt"),
  updated_at = CASE WHEN t.synced_at IS NULL OR r."syncedAt" > t.synced_at THEN now() ELSE t.updated_at END
FROM json_to_recordset($1::json) AS r("connectionId" text, "externalId" text, "syncedAt" timestamptz)
WHERE t.connection_id = r."connectionId" AND t.external_id = r."externalId"
RETURNING t.connection_id, t.external_id`;

/** A campaign sync record arrived before its campaign row: transient, the queue retries it later. */
export class CampaignNotStoredError extends Error {
  constructor(keys: string[]) {
    super(`campaign sync for a campaign not stored yet: ${keys.join(', ')}`);
    this.name = 'CampaignNotStoredError';
  }
}

/** What {@link upsertUnified} did. */
export interface UpsertOutcome {
  /** Unified rows the batch carried (written or already up to date). */
  rows: number;
  /** Rows moved from live to deleted, as {@link deletedRowKey}s. */
  deleted: string[];
}

/** The key {@link UpsertOutcome.deleted} lists a row by. */
export function deletedRowKey(table: string, connectionId: string, externalId: string): string {
  return `${table}\u0000${connectionId}\u0000${externalId}`;
}

/** Upsert a batch, then apply its deletions known by key. */
export async function upsertUnified(db: Queryable, batch: UnifiedBatch): Promise<UpsertOutcome> {
  const statements: Array<[DeletableTable, string, unknown[]]> = [
    ['payments', PAYMENTS_SQL, newestPerKey(batch.payments)],
    ['contacts', CONTACTS_SQL, newestPerKey(batch.contacts)],
    ['calendar_events', CALENDAR_SQL, newestPerKey(batch.calendar_events)],
    ['campaigns', CAMPAIGNS_SQL, newestPerKey(batch.campaigns)],
  ];
  const deleted: string[] = [];
  const run = async (table: DeletableTable, sql: string, rows: unknown[]) => {
    if (rows.length === 0) return;
    const res = await db.query<{ connection_id: string; external_id: string }>(sql, [JSON.stringify(rows)]);
    for (const r of res.rows) deleted.push(deletedRowKey(table, r.connection_id, r.external_id));
  };
  for (const [table, sql, rows] of statements) {
    const deletions = newestDeletions(batch.deletions.filter((d) => d.table === table));
    // Two statements on one table would lock its rows in two passes; locking every key first, in
    // one order, keeps concurrent processors from deadlocking.
    if (deletions.length > 0) await lockRows(db, table, [...(rows as Keyed[]), ...deletions]);
    await run(table, sql, rows);
    await run(table, deletionSql(table), deletions);
  }
  if (batch.campaign_syncs.length) {
    const syncs = newestSyncs(batch.campaign_syncs);
    const { rows } = await db.query<{ connection_id: string; external_id: string }>(CAMPAIGN_SYNCS_SQL, [JSON.stringify(syncs)]);
    const found = new Set(rows.map((r) => `${r.connection_id}:${r.external_id}`));
    const missing = syncs.map((s) => `${s.connectionId}:${s.externalId}`).filter((k) => !found.has(k));
    if (missing.length) throw new CampaignNotStoredError(missing);
  }
  return { rows: batchSize(batch), deleted };
}

// In the order the statements take them (sortByKey), so every writer locks one way.
async function lockRows(db: Queryable, table: DeletableTable, keys: readonly Keyed[]): Promise<void> {
  const sorted = sortByKey(keys.map((k) => ({ connectionId: k.connectionId, externalId: k.externalId })));
  await db.query(
    `SELECT 1 FROM ${table} t JOIN unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(connection_id, external_id, n) USING (connection_id, external_id)
     ORDER BY k.n FOR UPDATE OF t`,
    [sorted.map((k) => k.connectionId), sorted.map((k) => k.externalId)],
  );
}

function newestDeletions(rows: ReadonlyArray<Scoped<DeletionRow>>): Array<Scoped<DeletionRow>> {
  const byKey = new Map<string, Scoped<DeletionRow>>();
  for (const r of rows) {
    const key = `${r.connectionId}\u0000${r.externalId}`;
    const prev = byKey.get(key);
    if (!prev || mayReplace(r.sourceVersion, prev.sourceVersion)) byKey.set(key, r);
  }
  return sortByKey([...byKey.values()]);
}

function newestSyncs(rows: UnifiedBatch['campaign_syncs']): UnifiedBatch['campaign_syncs'] {
  const byKey = new Map<string, UnifiedBatch['campaign_syncs'][number]>();
  for (const r of rows) {
    const key = `${r.connectionId}\u0000${r.externalId}`;
    const prev = byKey.get(key);
    if (!prev || Date.parse(r.syncedAt) > Date.parse(prev.syncedAt)) byKey.set(key, r);
  }
  return sortByKey([...byKey.values()]);
}
