/** The ingest_record_hashes table: the last enqueued content hash of every record (producer dedupe). */
import type { Queryable } from '../db/index.ts';

/** A record identity with its content hash. */
export interface HashedKey {
  entity: string;
  externalId: string;
  hash: string;
}

/** Keys (`entity\u0000externalId`) of the records whose stored hash equals the given one. */
export async function unchangedKeys(db: Queryable, source: string, records: readonly HashedKey[]): Promise<Set<string>> {
  if (records.length === 0) return new Set();
  const { rows } = await db.query<{ entity: string; external_id: string }>(
    `SELECT h.entity, h.external_id
     FROM unnest($2::text[], $3::text[], $4::text[]) AS i(entity, external_id, content_hash)
     JOIN ingest_record_hashes h ON h.source = $1 AND h.entity = i.entity AND h.external_id = i.external_id
     WHERE h.content_hash = i.content_hash`,
    [source, records.map((r) => r.entity), records.map((r) => r.externalId), records.map((r) => r.hash)],
  );
  return new Set(rows.map((r) => recordKey(r.entity, r.external_id)));
}

/** Store the hashes of records just enqueued. */
export async function storeHashes(db: Queryable, source: string, records: readonly HashedKey[]): Promise<void> {
  if (records.length === 0) return;
  await db.query(
    `INSERT INTO ingest_record_hashes (source, entity, external_id, content_hash, updated_at)
     SELECT $1, entity, external_id, content_hash, now()
     FROM unnest($2::text[], $3::text[], $4::text[]) AS i(entity, external_id, content_hash)
     ON CONFLICT (source, entity, external_id) DO UPDATE SET content_hash = excluded.content_hash, updated_at = now()`,
    [source, records.map((r) => r.entity), records.map((r) => r.externalId), records.map((r) => r.hash)],
  );
}

/** The identity of a record within one source. */
export function recordKey(entity: string, externalId: string): string {
  return `${entity}\u0000${externalId}`;
}
