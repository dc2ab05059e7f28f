/**
 * The version and target row of raw records about to be enqueued, for the producer's dedupe
 * (recordHashes.ts) and for the job that carries them to the upsert.
 */
import type { Connector, RawRecord, UnifiedRecord } from '../connectors/index.ts';
import { versionOfRow } from './upsertUnified.ts';

/** What dedupe and the outbox job need besides the record itself. */
export interface RecordVersion {
  /** The connector's version, else the version of the rows it normalizes to; null: unknown. */
  version: string | null;
  /** The one unified row the record writes ('payments:ch_1'); null for none, several, or a poison record. */
  rowKey: string | null;
}

/** The rows a raw record normalizes to (a pure dry run), or null when it cannot be normalized. */
export function dryRunNormalize(normalize: Connector['normalize'], record: Pick<RawRecord, 'entity' | 'payload'>): UnifiedRecord[] | null {
  try {
    return normalize(record.entity, record.payload);
  } catch {
    return null;
  }
}

/** Version and target row of a raw record from the rows it normalizes to (null: it cannot be). */
export function versionOf(record: Pick<RawRecord, 'version'>, normalized: readonly UnifiedRecord[] | null): RecordVersion {
  const rows = (normalized ?? []).filter((r) => r.table !== 'campaign_syncs');
  const only = rows.length === 1 ? rows[0] : undefined;
  const own = only ? versionOfRow(only.row) : null;
  return {
    version: record.version ?? own,
    rowKey: only ? `${only.table === 'deletions' ? only.row.table : only.table}:${only.row.externalId}` : null,
  };
}

/** Version and target row of one raw record (normalizing it, which is pure). */
export function versionRecord(normalize: Connector['normalize'], record: RawRecord): RecordVersion {
  return versionOf(record, dryRunNormalize(normalize, record));
}
