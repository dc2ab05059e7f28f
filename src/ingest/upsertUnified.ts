/**
 * Set-based upserts of unified rows (payments, contacts, calendar_events, campaigns) on
 * (source, external_id). Rules every statement follows:
 * - never regress: an update applies only if the incoming `source_updated_at` is not older than
 *   the stored one (out-of-order outbox rows lose);
 * - no churn: an identical row is not rewritten, so `updated_at` (the data endpoints' keyset)
 *   moves only when data changed;
 * - a cancelled calendar event that carries only its id keeps the stored fields (COALESCE).
 * Rows travel as one JSON array per statement (jsonb_to_recordset), so a batch is one round trip.
 */
import type { CalendarEventRow, CampaignRow, ContactRow, PaymentRow, UnifiedRecord } from '../connectors/contract.ts';
import type { Queryable } from '../db/index.ts';

/** Unified rows grouped by table. */
export interface UnifiedBatch {
  payments: PaymentRow[];
  contacts: ContactRow[];
  calendar_events: CalendarEventRow[];
  campaigns: CampaignRow[];
  campaign_syncs: Array<{ source: string; externalId: string; syncedAt: string }>;
}

/** An empty batch. */
export function emptyBatch(): UnifiedBatch {
  return { payments: [], contacts: [], calendar_events: [], campaigns: [], campaign_syncs: [] };
}

/** Add normalized records to a batch. */
export function addToBatch(batch: UnifiedBatch, records: readonly UnifiedRecord[]): void {
  for (const r of records) (batch[r.table] as unknown[]).push(r.row);
}

/** Number of rows in a batch. */
export function batchSize(batch: UnifiedBatch): number {
  return Object.values(batch).reduce((n, rows: unknown[]) => n + rows.length, 0);
}

// One statement cannot touch the same key twice: keep the newest version of each key
// (by source_updated_at; later position wins ties and unknown times).
function newestPerKey<T extends { source: string; externalId: string; sourceUpdatedAt?: string | null }>(rows: readonly T[]): T[] {
  const byKey = new Map<string, T>();
  for (const row of rows) {
    const key = `${row.source}\u0000${row.externalId}`;
    const prev = byKey.get(key);
    if (prev?.sourceUpdatedAt && row.sourceUpdatedAt && Date.parse(row.sourceUpdatedAt) < Date.parse(prev.sourceUpdatedAt)) continue;
    byKey.set(key, row);
  }
  return sortByKey([...byKey.values()]);
}

// Concurrent processors lock rows in the same (key) order, so their batches cannot deadlock.
function sortByKey<T extends { source: string; externalId: string }>(rows: T[]): T[] {
  return rows.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));
}

const NOT_OLDER = (t: string) => `(excluded.source_updated_at IS NULL OR ${t}.source_updated_at IS NULL OR excluded.source_updated_at >= ${t}.source_updated_at)`;

const PAYMENTS_SQL = `
INSERT INTO payments AS t (source, external_id, kind, status, raw_status, amount_cents, refunded_cents, currency,
  occurred_at, customer_ref, parent_external_id, source_updated_at)
SELECT source, "externalId", kind, status, "rawStatus", "amountCents"::bigint, "refundedCents"::bigint, currency,
  "occurredAt", "customerRef", "parentExternalId", "sourceUpdatedAt"
FROM jsonb_to_recordset($1::jsonb) AS r(source text, "externalId" text, kind text, status text, "rawStatus" text,
  "amountCents" text, "refundedCents" text, currency text, "occurredAt" timestamptz, "customerRef" text,
  "parentExternalId" text, "sourceUpdatedAt" timestamptz)
ON CONFLICT (source, external_id) DO UPDATE SET
  kind = excluded.kind, status = excluded.status, raw_status = excluded.raw_status, amount_cents = excluded.amount_cents,
  refunded_cents = excluded.refunded_cents, currency = excluded.currency, occurred_at = excluded.occurred_at,
  customer_ref = excluded.customer_ref, parent_external_id = excluded.parent_external_id,
  source_updated_at = COALESCE(excluded.source_updated_at, t.source_updated_at), updated_at = now()
WHERE ${NOT_OLDER('t')}
  AND (t.kind, t.status, t.raw_status, t.amount_cents, t.refunded_cents, t.currency, t.occurred_at, t.customer_ref,
       t.parent_external_id, t.source_updated_at)
  IS DISTINCT FROM (excluded.kind, excluded.status, excluded.raw_status, excluded.amount_cents, excluded.refunded_cents,
       excluded.currency, excluded.occurred_at, excluded.customer_ref, excluded.parent_external_id,
       COALESCE(excluded.source_updated_at, t.source_updated_at))`;

const CONTACTS_SQL = `
INSERT INTO contacts AS t (source, external_id, email, first_name, last_name, phone, company, lifecycle_stage, source_updated_at)
SELECT source, "externalId", email, "firstName", "lastName", phone, company, "lifecycleStage", "sourceUpdatedAt"
FROM jsonb_to_recordset($1::jsonb) AS r(source text, "externalId" text, email text, "firstName" text, "lastName" text,
  phone text, company text, "lifecycleStage" text, "sourceUpdatedAt" timestamptz)
ON CONFLICT (source, external_id) DO UPDATE SET
  email = excluded.email, first_name = excluded.first_name, last_name = excluded.last_name, phone = excluded.phone,
  company = excluded.company, lifecycle_stage = excluded.lifecycle_stage,
  source_updated_at = COALESCE(excluded.source_updated_at, t.source_updated_at), updated_at = now()
WHERE ${NOT_OLDER('t')}
  AND (t.email, t.first_name, t.last_name, t.phone, t.company, t.lifecycle_stage, t.source_updated_at)
  IS DISTINCT FROM (excluded.email, excluded.first_name, excluded.last_name, excluded.phone, excluded.company,
       excluded.lifecycle_stage, COALESCE(excluded.source_updated_at, t.source_updated_at))`;

// A cancellation carrying only the id has null fields: keep what is stored for those.
const KEEP_IF_CANCELLED = (col: string) => `CASE WHEN excluded.status = 'cancelled' THEN COALESCE(excluded.${col}, t.${col}) ELSE excluded.${col} END`;

const CALENDAR_SQL = `
INSERT INTO calendar_events AS t (source, external_id, calendar_id, status, summary, starts_at, ends_at, all_day, source_updated_at)
SELECT source, "externalId", "calendarId", status, summary, "startsAt", "endsAt", "allDay", "sourceUpdatedAt"
FROM jsonb_to_recordset($1::jsonb) AS r(source text, "externalId" text, "calendarId" text, status text, summary text,
  "startsAt" timestamptz, "endsAt" timestamptz, "allDay" boolean, "sourceUpdatedAt" timestamptz)
ON CONFLICT (source, external_id) DO UPDATE SET
  calendar_id = excluded.calendar_id, status = excluded.status,
  summary = ${KEEP_IF_CANCELLED('summary')}, starts_at = ${KEEP_IF_CANCELLED('starts_at')},
  ends_at = ${KEEP_IF_CANCELLED('ends_at')}, all_day = ${KEEP_IF_CANCELLED('all_day')},
  source_updated_at = COALESCE(excluded.source_updated_at, t.source_updated_at), updated_at = now()
WHERE ${NOT_OLDER('t')}
  AND (t.calendar_id, t.status, t.summary, t.starts_at, t.ends_at, t.all_day, t.source_updated_at)
  IS DISTINCT FROM (excluded.calendar_id, excluded.status, ${KEEP_IF_CANCELLED('summary')}, ${KEEP_IF_CANCELLED('starts_at')},
       ${KEEP_IF_CANCELLED('ends_at')}, ${KEEP_IF_CANCELLED('all_day')}, COALESCE(excluded.source_updated_at, t.source_updated_at))`;

// Campaigns carry no upstream modification time: the latest fetch wins (the producer only
// enqueues changed content, and the ad platform is synced by one run at a time).
const CAMPAIGNS_SQL = `
INSERT INTO campaigns AS t (source, external_id, name, status, budget_cents, impressions, clicks, conversions, source_created_at)
SELECT source, "externalId", name, status, "budgetCents"::bigint, impressions, clicks, conversions, "createdAt"
FROM jsonb_to_recordset($1::jsonb) AS r(source text, "externalId" text, name text, status text, "budgetCents" text,
  impressions bigint, clicks bigint, conversions bigint, "createdAt" timestamptz)
ON CONFLICT (source, external_id) DO UPDATE SET
  name = excluded.name, status = excluded.status, budget_cents = excluded.budget_cents, impressions = excluded.impressions,
  clicks = excluded.clicks, conversions = excluded.conversions, source_created_at = excluded.source_created_at, updated_at = now()
WHERE (t.name, t.status, t.budget_cents, t.impressions, t.clicks, t.conversions, t.source_created_at)
  IS DISTINCT FROM (excluded.name, excluded.status, excluded.budget_cents, excluded.impressions, excluded.clicks,
       excluded.conversions, excluded.source_created_at)`;

// synced_at only moves forward. Returns the keys that matched a stored campaign.
const CAMPAIGN_SYNCS_SQL = `
UPDATE campaigns t SET
  synced_at = GREATEST(t.synced_at, r."syncedAt"),
  updated_at = CASE WHEN t.synced_at IS NULL OR r."syncedAt" > t.synced_at THEN now() ELSE t.updated_at END
FROM jsonb_to_recordset($1::jsonb) AS r(source text, "externalId" text, "syncedAt" timestamptz)
WHERE t.source = r.source AND t.external_id = r."externalId"
RETURNING t.source, t.external_id`;

/** A campaign sync record arrived before its campaign row: transient, the queue retries it later. */
export class CampaignNotStoredError extends Error {
  constructor(keys: string[]) {
    super(`campaign sync for a campaign not stored yet: ${keys.join(', ')}`);
    this.name = 'CampaignNotStoredError';
  }
}

/** Upsert a batch; returns how many unified rows it carried (written or already up to date). */
export async function upsertUnified(db: Queryable, batch: UnifiedBatch): Promise<number> {
  const statements: Array<[string, unknown[]]> = [
    [PAYMENTS_SQL, newestPerKey(batch.payments)],
    [CONTACTS_SQL, newestPerKey(batch.contacts)],
    [CALENDAR_SQL, newestPerKey(batch.calendar_events)],
    [CAMPAIGNS_SQL, newestPerKey(batch.campaigns)],
  ];
  for (const [sql, rows] of statements) {
    if (rows.length) await db.query(sql, [JSON.stringify(rows)]);
  }
  if (batch.campaign_syncs.length) {
    const syncs = newestSyncs(batch.campaign_syncs);
    const { rows } = await db.query<{ source: string; external_id: string }>(CAMPAIGN_SYNCS_SQL, [JSON.stringify(syncs)]);
    const found = new Set(rows.map((r) => `${r.source}:${r.external_id}`));
    const missing = syncs.map((s) => `${s.source}:${s.externalId}`).filter((k) => !found.has(k));
    if (missing.length) throw new CampaignNotStoredError(missing);
  }
  return batchSize(batch);
}

function newestSyncs(rows: UnifiedBatch['campaign_syncs']): UnifiedBatch['campaign_syncs'] {
  const byKey = new Map<string, UnifiedBatch['campaign_syncs'][number]>();
  for (const r of rows) {
    const key = `${r.source}\u0000${r.externalId}`;
    const prev = byKey.get(key);
    if (!prev || Date.parse(r.syncedAt) > Date.parse(prev.syncedAt)) byKey.set(key, r);
  }
  return sortByKey([...byKey.values()]);
}
