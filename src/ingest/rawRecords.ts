/**
 * The latest raw payload of every upstream record (raw_records), kept so unified rows can be
 * re-derived after a normalizer change without refetching (renormalize.ts). The processor writes
 * it in the transaction that upserts the record's rows, one statement per batch, under the same
 * version rule as the rows (connectors' mayReplace; MAY_REPLACE of upsertUnified): the newest
 * state wins, equal versions re-apply, nothing regresses — so a record's raw payload and its row
 * always hold the same state.
 *
 * What "the record" is: the upstream object the row mirrors, in the upstream's own shape. A
 * listed object is its own record; a Stripe event is a state of its `data.object`, kept under
 * that object's entity and id (Normalizer.ownRecord), so a listed charge and the events about it
 * share one raw row and only the newest survives. Records that write no unified row (an event
 * type no table keeps, the ad platform's own sync-call traces) keep nothing.
 */
import type { Normalizer, UnifiedRecord } from '../connectors/index.ts';
import { mayReplace } from '../connectors/index.ts';
import type { ConnectionScope } from '../connections/index.ts';
import type { Queryable } from '../db/index.ts';
import { jobPayloadSql } from '../queue/index.ts';
import { hashContent } from './hashContent.ts';
import type { IngestJobPayload } from './types.ts';
import { versionOfRow } from './upsertUnified.ts';

/** One stored raw record. */
export interface RawRecordRow {
  source: string;
  connectionId: string;
  entity: string;
  externalId: string;
  payload: unknown;
  /** The version of the row(s) this payload normalized to; null: unknown. */
  version: string | null;
  /** sha256 of the canonical JSON of `payload`. */
  hash: string;
}

/** A raw record to store: its payload given, or (`fromJob`) the upstream payload of the outbox job being processed, copied inside the database. */
export type RawRecordWrite = (RawRecordRow & { fromJob?: undefined }) | (Omit<RawRecordRow, 'payload'> & { payload?: undefined; fromJob: string });

/**
 * The raw record an outbox job leaves once normalized to `records`, or null when it keeps none.
 * Its version is the one its rows are upserted with (stamped, else their own), so the raw
 * payload and the row are replaced by exactly the same later states.
 */
export function rawRecordOf(normalizer: Normalizer, job: IngestJobPayload & { connectionId: string }, records: readonly UnifiedRecord[], jobId?: string): RawRecordWrite | null {
  // A deletion (tombstone, an object the upstream answered missing for) carries no upstream state:
  // the last payload stays, so a restore or renormalize still has it.
  const row = records.find((r): r is Exclude<UnifiedRecord, { table: 'campaign_syncs' | 'deletions' }> => r.table !== 'campaign_syncs' && r.table !== 'deletions');
  if (!row) return null;
  const record = { entity: job.entity, externalId: job.externalId, payload: job.payload };
  const own = normalizer.ownRecord ? normalizer.ownRecord(record) : record;
  if (!own) return null;
  const key = { source: job.source, connectionId: job.connectionId, entity: own.entity, externalId: own.externalId, version: versionOfRow(row.row) };
  // The outbox payload itself (its hash already known) is copied from the job's row inside the
  // database rather than serialized and sent back (~1 kB per record); an unwrapped object is
  // sent and hashed on its own.
  if (own.payload === job.payload) return jobId === undefined ? { ...key, payload: own.payload, hash: job.hash } : { ...key, fromJob: jobId, hash: job.hash };
  return { ...key, payload: own.payload, hash: hashContent(own.payload) };
}

// One statement cannot touch a key twice: keep the newest state of each (a later one wins ties),
// in key order so concurrent processors lock raw rows in the same order.
function newestPerKey(rows: readonly RawRecordWrite[]): RawRecordWrite[] {
  const byKey = new Map<string, RawRecordWrite>();
  for (const r of rows) {
    const key = `${r.connectionId}\u0000${r.entity}\u0000${r.externalId}`;
    const prev = byKey.get(key);
    if (prev && !mayReplace(r.version, prev.version)) continue;
    byKey.set(key, r);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

// The version rule of the unified upserts (versions are COLLATE "C"), and no rewrite of an
// identical state. A payload `fromJob` is read from the outbox job's row in this transaction.
const STORE_SQL = `
INSERT INTO raw_records AS t (source, connection_id, entity, external_id, payload, version, hash)
SELECT source, "connectionId", entity, "externalId", CASE WHEN "fromJob" IS NULL THEN payload ELSE ${jobPayloadSql('"fromJob"', ['payload'])} END, version, hash
FROM json_to_recordset($1::json) AS r(source text, "connectionId" text, entity text, "externalId" text, payload jsonb, "fromJob" bigint, version text, hash text)
ON CONFLICT (connection_id, entity, external_id) DO UPDATE SET
  payload = excluded.payload, version = excluded.version, hash = excluded.hash, updated_at = now()
WHERE (t.version IS NULL OR (excluded.version IS NOT NULL AND excluded.version >= t.version))
  AND (t.hash, t.version) IS DISTINCT FROM (excluded.hash, excluded.version)`;

/** Store raw records in one statement; a stale one never replaces a newer one. */
export async function storeRawRecords(db: Queryable, rows: readonly RawRecordWrite[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(STORE_SQL, [JSON.stringify(newestPerKey(rows))]);
}

/** Where a keyset walk of raw_records stands: the last (entity, externalId) read. */
export interface RawKey {
  entity: string;
  externalId: string;
}

// Keyset on the primary key (connection_id, entity, external_id): every page is an index range scan.
const READ_SQL = `
SELECT source, connection_id AS "connectionId", entity, external_id AS "externalId", payload, version, hash
FROM raw_records
WHERE connection_id = $1
  AND ($2::text IS NULL OR entity = $2)
  AND ($3::text IS NULL OR (entity, external_id) > ($3 COLLATE "C", $4 COLLATE "C"))
ORDER BY entity, external_id
LIMIT $5`;

/** One page of a connection's raw records (of one entity, when given) after `after`, in key order. */
export async function readRawRecords(db: Queryable, scope: ConnectionScope, opts: { entity?: string; after?: RawKey | null; limit: number }): Promise<RawRecordRow[]> {
  const after = opts.after ?? null;
  const { rows } = await db.query<RawRecordRow>(READ_SQL, [scope.connectionId, opts.entity ?? null, after?.entity ?? null, after?.externalId ?? null, opts.limit]);
  return rows;
}
