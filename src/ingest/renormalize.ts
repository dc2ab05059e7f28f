/**
 * Re-deriving a source's unified rows from its stored raw payloads (raw_records) after a
 * normalizer change, with no upstream call. Raw records are walked in keyset batches; each batch
 * is normalized by the source's pure normalizer and upserted through the processor's own
 * version-guarded path in one transaction. A raw record carries the version of the row it
 * produced, and equal versions re-apply, so a re-derived row replaces the stored one; a row made
 * newer meanwhile by the processor is left alone (its raw payload is newer too). A record the
 * normalizer now rejects keeps its row as it was and goes to the DLQ with its payload, as in the
 * processor: replay it once the normalizer is fixed.
 */
import { defaultConnectionId, type ConnectionScope } from '../connections/index.ts';
import type { Normalizer } from '../connectors/index.ts';
import { withTransaction, type Pool, type PoolClient } from '../db/index.ts';
import { deadLetterPayloads, type DeadPayload } from '../queue/index.ts';
import { normalizeRecord } from './normalizeRecord.ts';
import { readRawRecords, type RawKey, type RawRecordRow } from './rawRecords.ts';
import { INGEST_QUEUE, type IngestJobPayload } from './types.ts';
import { addToBatch, emptyBatch, upsertUnified, type UnifiedBatch } from './upsertUnified.ts';
import { outboxDedupeKey } from './writePage.ts';

/** Options of {@link renormalize}. */
export interface RenormalizeOptions {
  /** The connection whose rows to re-derive (default: the source's default connection). */
  connectionId?: string;
  /** Only raw records of this entity (e.g. 'deal'). */
  entity?: string;
  /** Raw records per transaction (default 500). */
  batchSize?: number;
  /** Called after each committed batch with the totals so far. */
  onBatch?: (totals: RenormalizeSummary) => void;
  /** Called in each batch's transaction before it commits (IngestDeps.announceChanges). */
  announceChanges?: (tx: PoolClient) => Promise<void>;
}

/** What a renormalize did. */
export interface RenormalizeSummary {
  source: string;
  connectionId: string;
  entity: string | null;
  /** Raw records read. */
  records: number;
  /** Unified rows the records normalized to. */
  rows: number;
  /** Rows whose stored content or version changed (or that were missing and were inserted). */
  rowsChanged: number;
  /** Records the normalizer rejected (their rows untouched). */
  failed: number;
  /** Of those, dead letters added (one already waiting unreplayed for the same payload is not repeated). */
  deadLettered: number;
}

/** Re-derive the unified rows of one connection of `normalizer.source` from raw_records. */
export async function renormalize(pool: Pool, normalizer: Normalizer, opts: RenormalizeOptions = {}): Promise<RenormalizeSummary> {
  const limit = Number.isFinite(opts.batchSize) ? Math.max(1, Math.floor(opts.batchSize as number)) : 500;
  const scope: ConnectionScope = { source: normalizer.source, connectionId: opts.connectionId ?? defaultConnectionId(normalizer.source) };
  const totals: RenormalizeSummary = { source: normalizer.source, connectionId: scope.connectionId, entity: opts.entity ?? null, records: 0, rows: 0, rowsChanged: 0, failed: 0, deadLettered: 0 };
  let after: RawKey | null = null;
  for (;;) {
    const page = await readRawRecords(pool, scope, { ...(opts.entity ? { entity: opts.entity } : {}), after, limit });
    if (page.length === 0) break;
    const done = await withTransaction(pool, async (tx) => {
      const applied = await applyBatch(tx, normalizer, scope, page);
      await opts.announceChanges?.(tx);
      return applied;
    });
    totals.records += page.length;
    totals.rows += done.rows;
    totals.rowsChanged += done.rowsChanged;
    totals.failed += done.failed;
    totals.deadLettered += done.deadLettered;
    opts.onBatch?.({ ...totals });
    const last = page[page.length - 1] as RawRecordRow;
    after = { entity: last.entity, externalId: last.externalId };
    if (page.length < limit) break;
  }
  return totals;
}

async function applyBatch(tx: PoolClient, normalizer: Normalizer, scope: ConnectionScope, page: readonly RawRecordRow[]) {
  const batch = emptyBatch();
  const dead: DeadPayload[] = [];
  let rows = 0;
  for (const raw of page) {
    const records = normalizeRecord(normalizer, raw);
    if (records instanceof Error) {
      dead.push({ payload: jobOf(scope, raw), dedupeKey: outboxDedupeKey(scope, raw.entity, raw.externalId, raw.hash), error: records, group: scope.connectionId });
      continue;
    }
    addToBatch(batch, records, scope.connectionId);
    rows += records.length;
  }
  await upsertUnified(tx, batch);
  const rowsChanged = await countWritten(tx, batch);
  const deadLettered = await deadLetterPayloads(tx, INGEST_QUEUE, dead);
  return { rows, rowsChanged, failed: dead.length, deadLettered };
}

// The outbox job the record would have been, so a replay runs it through the processor (which
// also keeps it as the raw payload again).
function jobOf(scope: ConnectionScope, raw: RawRecordRow): IngestJobPayload {
  return { source: scope.source, connectionId: scope.connectionId, entity: raw.entity, externalId: raw.externalId, payload: raw.payload, hash: raw.hash, version: raw.version, runId: null };
}

const TABLES = ['payments', 'contacts', 'calendar_events', 'campaigns'] as const;

// The upserts skip identical rows, so the rows this transaction wrote (xmin = its own id) are
// exactly the ones that changed — counted without touching the upsert statements.
async function countWritten(tx: PoolClient, batch: UnifiedBatch): Promise<number> {
  let n = 0;
  for (const table of TABLES) {
    const keys = batch[table].map((r) => ({ connectionId: r.connectionId, externalId: r.externalId }));
    if (keys.length === 0) continue;
    const { rows } = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${table} t
       WHERE (t.connection_id, t.external_id) IN (SELECT DISTINCT "connectionId", "externalId" FROM jsonb_to_recordset($1::jsonb) AS k("connectionId" text, "externalId" text))
         AND t.xmin = pg_current_xact_id()::xid`,
      [JSON.stringify(keys)],
    );
    n += rows[0]?.n ?? 0;
  }
  return n;
}
