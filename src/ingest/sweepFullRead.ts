/**
 * Deletes found by absence: a record a completed full read no longer lists is gone upstream
 * (an ad-platform campaign removed, a Google event dropped while a sync token had expired).
 *
 * The producer's record hash store (ingest_record_hashes) is what each read saw: every page of a
 * full read stamps `seen_at` on its records, enqueued or found unchanged alike. The page that
 * starts a fresh read stores its start (database time, the clock of `seen_at`) and the upstream
 * version as of then on the stream's cursor row; the page that completes it — in the same
 * transaction as its own records — finds the records of the stream's entity not seen since the
 * start and queues one tombstone job each into the ingest outbox. Deciding in the producer and
 * applying through the outbox is what keeps it safe while the processor lags:
 * - "not seen" is read from what the producer recorded, not from the unified rows the
 *   processor may not have written yet;
 * - a read that crashes or is interrupted never reaches its completing page, so it deletes
 *   nothing; a resumed read keeps its stored start, so pages seen before the crash still count;
 * - a record stored by another path since the read started (hash entry updated after the start)
 *   is left alone;
 * - the tombstone carries the start's upstream version: applied in any order with the
 *   record's older jobs still in the outbox, the newest version wins (upsertUnified), and a
 *   record that comes back later (a newer version) is restored;
 * - the hash entry is replaced by the marker 'gone', so the same content listed again is not
 *   skipped as unchanged and restores the row.
 */
import type { ConnectionScope } from '../connections/index.ts';
import type { PoolClient } from '../db/index.ts';
import { enqueueMany } from '../queue/index.ts';
import type { DeletableTable } from '../connectors/index.ts';
import { INGEST_QUEUE, type IngestJobPayload } from './types.ts';

/** The content hash a record found gone is stored with (never a sha256). */
export const GONE_HASH = 'gone';

const TABLES = new Set<string>(['payments', 'contacts', 'calendar_events', 'campaigns']);

/** Stamp the records of a full-read page as seen now. */
export async function markSeen(tx: PoolClient, scope: ConnectionScope, records: ReadonlyArray<{ entity: string; externalId: string }>): Promise<void> {
  if (records.length === 0) return;
  await tx.query(
    `UPDATE ingest_record_hashes h SET seen_at = now()
     FROM unnest($2::text[], $3::text[]) AS i(entity, external_id)
     WHERE h.connection_id = $1 AND h.entity = i.entity AND h.external_id = i.external_id`,
    [scope.connectionId, records.map((r) => r.entity), records.map((r) => r.externalId)],
  );
}

/** Record that a fresh full read of a stream starts with this transaction. */
export async function startFullRead(tx: PoolClient, scope: ConnectionScope, streamEntity: string, version: string | null): Promise<void> {
  await tx.query(
    `INSERT INTO sync_cursors (source, connection_id, entity, cursor, updated_at, full_read_started_at, full_read_version) VALUES ($1, $4, $2, NULL, now(), now(), $3)
     ON CONFLICT (connection_id, entity) DO UPDATE SET full_read_started_at = now(), full_read_version = excluded.full_read_version`,
    [scope.source, streamEntity, version, scope.connectionId],
  );
}

/**
 * The full read of a stream completed with this transaction: queue a tombstone for every record
 * of `recordEntity` not seen since the read started; returns how many. A read whose start was
 * never recorded (resumed from a cursor older than this code) deletes nothing.
 */
export async function completeFullRead(tx: PoolClient, r: { scope: ConnectionScope; streamEntity: string; recordEntity: string; runId: string }): Promise<number> {
  const { source, connectionId } = r.scope;
  const { rows: started } = await tx.query<{ started_at: Date | null; version: string | null; now: Date }>(
    `UPDATE sync_cursors SET full_read_started_at = NULL, full_read_version = NULL WHERE connection_id = $1 AND entity = $2
     RETURNING old.full_read_started_at AS started_at, old.full_read_version AS version, now() AS now`,
    [connectionId, r.streamEntity],
  );
  const start = started[0];
  if (!start?.started_at) return 0;
  const { rows: gone } = await tx.query<{ external_id: string; row_key: string }>(
    `UPDATE ingest_record_hashes h
     SET content_hash = '${GONE_HASH}', source_version = COALESCE($4, h.source_version), updated_at = now()
     WHERE h.connection_id = $1 AND h.entity = $2 AND h.row_key IS NOT NULL AND h.content_hash <> '${GONE_HASH}'
       AND h.seen_at < $3 AND h.updated_at < $3
     RETURNING h.external_id, h.row_key`,
    [connectionId, r.recordEntity, start.started_at, start.version],
  );
  const deletedAt = start.now.toISOString();
  const jobs = gone.flatMap((g) => {
    const table = g.row_key.slice(0, g.row_key.indexOf(':'));
    if (!TABLES.has(table)) return [];
    const payload: IngestJobPayload = {
      source, connectionId, entity: r.recordEntity, externalId: g.external_id, payload: null, hash: GONE_HASH, runId: r.runId,
      version: start.version, gone: { table: table as DeletableTable, deletedAt },
    };
    return [{ payload, dedupeKey: `${connectionId}:${r.recordEntity}:${g.external_id}:${GONE_HASH}:${start.version ?? ''}`, group: connectionId }];
  });
  await enqueueMany(tx, INGEST_QUEUE, jobs);
  return jobs.length;
}
