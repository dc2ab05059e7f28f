/**
 * The ingest_record_hashes table: the newest enqueued content hash of every record, with its
 * version and the unified row it writes (producer dedupe).
 *
 * A record is a duplicate when its content equals the stored content and enqueuing it cannot
 * change the outcome: either it is not newer than the stored version, or no other record of the
 * same row (a Stripe event vs the listed charge) was enqueued with a newer version since — so a
 * state that an intermediate write replaced is never skipped as "already seen". The stored
 * entry moves only forward: a stale record (a retried page read before a newer one) is enqueued
 * (it loses at the upsert) but never replaces the newer hash.
 */
import type { ConnectionScope } from '../connections/index.ts';
import type { Queryable } from '../db/index.ts';

/** A record identity with its content hash. */
export interface HashedKey {
  entity: string;
  externalId: string;
  hash: string;
  /** Upstream version (connectors' versions.ts); null/absent: unknown, the hash alone decides. */
  version?: string | null;
  /** The unified row it writes ('payments:ch_1'), when exactly one. */
  rowKey?: string | null;
}

/** Keys (`entity\u0000externalId`) of the records whose stored hash equals the given one. */
export async function unchangedKeys(db: Queryable, scope: ConnectionScope, records: readonly HashedKey[]): Promise<Set<string>> {
  if (records.length === 0) return new Set();
  const { rows } = await db.query<{ entity: string; external_id: string }>(
    `SELECT h.entity, h.external_id
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS i(entity, external_id, content_hash, version, row_key)
     JOIN ingest_record_hashes h ON h.connection_id = $1 AND h.entity = i.entity AND h.external_id = i.external_id
     WHERE h.content_hash = i.content_hash
       AND (i.version IS NULL
            OR (h.source_version IS NOT NULL AND i.version COLLATE "C" <= h.source_version)
            OR NOT EXISTS (SELECT 1 FROM ingest_record_hashes o
                           WHERE o.connection_id = $1 AND o.row_key = i.row_key AND (o.entity, o.external_id) <> (h.entity, h.external_id)
                             AND (h.source_version IS NULL OR o.source_version > h.source_version)))`,
    [scope.connectionId, ...columns(records)],
  );
  return new Set(rows.map((r) => recordKey(r.entity, r.external_id)));
}

/** Store the hashes of records just enqueued. */
export async function storeHashes(db: Queryable, scope: ConnectionScope, records: readonly HashedKey[]): Promise<void> {
  if (records.length === 0) return;
  await db.query(
    `INSERT INTO ingest_record_hashes AS h (source, connection_id, entity, external_id, content_hash, source_version, row_key, updated_at)
     SELECT $7, $1, entity, external_id, content_hash, version, row_key, now()
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS i(entity, external_id, content_hash, version, row_key)
     ON CONFLICT (connection_id, entity, external_id) DO UPDATE SET
       content_hash = excluded.content_hash, source_version = excluded.source_version,
       row_key = COALESCE(excluded.row_key, h.row_key), updated_at = now()
     WHERE h.source_version IS NULL OR (excluded.source_version IS NOT NULL AND excluded.source_version >= h.source_version)`,
    [scope.connectionId, ...columns(records), scope.source],
  );
}

function columns(records: readonly HashedKey[]): string[][] {
  return [
    records.map((r) => r.entity),
    records.map((r) => r.externalId),
    records.map((r) => r.hash),
    records.map((r) => r.version ?? null) as string[],
    records.map((r) => r.rowKey ?? null) as string[],
  ];
}

/** The identity of a record within one connection. */
export function recordKey(entity: string, externalId: string): string {
  return `${entity}\u0000${externalId}`;
}
