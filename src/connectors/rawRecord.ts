/** Building outbox records from upstream payloads (shared by the connectors). */
import { createHash } from 'node:crypto';
import type { RawRecord } from './contract.ts';

/**
 * A RawRecord for `payload`, identified by its `idField`. A record without a usable id (a poison
 * record) still travels to the outbox — and from there to the DLQ with its payload — under a
 * stable content-derived id, so it is never silently dropped.
 */
export function toRawRecord(entity: string, payload: unknown, idField = 'id'): RawRecord {
  const id = payload && typeof payload === 'object' ? (payload as Record<string, unknown>)[idField] : undefined;
  const externalId =
    (typeof id === 'string' && id.length > 0) || typeof id === 'number'
      ? String(id)
      : `missing-id:${createHash('sha256').update(JSON.stringify(payload) ?? 'undefined').digest('hex').slice(0, 24)}`;
  return { entity, externalId, payload };
}

/** Throw the signal's reason when the run was cancelled (checked between pages). */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('sync aborted');
}
