/**
 * One raw record through a source's pure normalizer, as the processor and renormalize both run
 * it: rows stamped with the record's version and made storable, or the error that dead-letters it.
 */
import type { Normalizer, UnifiedRecord } from '../connectors/index.ts';
import { makeStorable } from '../db/index.ts';
import { PermanentError } from '../queue/index.ts';
import { stampVersion } from './upsertUnified.ts';

/**
 * Normalize one record. Normalizers are pure: whatever one throws for a payload it throws every
 * time, so any failure is permanent. Errors already classified (ZodError, `permanent: true`)
 * keep their identity so the DLQ shows the exact error (and zod's issues).
 */
export function normalizeRecord(normalizer: Normalizer, record: { entity: string; payload: unknown; version?: string | null | undefined }): UnifiedRecord[] | Error {
  try {
    // Payloads are storable already; rows are made storable again so that no normalizer can
    // ever produce a row that fails the whole batch's upsert.
    return makeStorable(stampVersion(normalizer.normalize(record.entity, record.payload), record.version)).value;
  } catch (err) {
    if (isClassifiedPermanent(err)) return err as Error;
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return new PermanentError(`normalize ${normalizer.source}/${record.entity} failed: ${message}`, { cause: err });
  }
}

function isClassifiedPermanent(err: unknown): boolean {
  const e = err as { name?: unknown; permanent?: unknown } | null;
  return err instanceof Error && (e?.name === 'ZodError' || e?.permanent === true);
}
