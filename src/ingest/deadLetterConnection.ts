/**
 * Which connection a dead letter belongs to. Ingest and sync jobs carry `connectionId`; jobs
 * enqueued before connections existed carry only `source`, and belong to that source's default
 * connection — the same rule the connection migration applied to the rows.
 */
import { SOURCES, type SourceName } from '../config.ts';
import { defaultConnectionId } from '../connections/index.ts';

/** The connection of a dead letter's payload; null for a payload of another queue (no source). */
export function connectionOfPayload(payload: unknown): string | null {
  if (!payload || typeof payload !== 'object') return null;
  const p = payload as { connectionId?: unknown; source?: unknown };
  if (typeof p.connectionId === 'string') return p.connectionId;
  return typeof p.source === 'string' && (SOURCES as readonly string[]).includes(p.source) ? defaultConnectionId(p.source as SourceName) : null;
}

/** The queue's payload filter that keeps the dead letters of `connectionId` (see listDeadLetters). */
export function connectionPayloadMatches(connectionId: string): Array<Record<string, string | null>> {
  const source = SOURCES.find((s) => defaultConnectionId(s) === connectionId);
  return source ? [{ connectionId }, { connectionId: null, source }] : [{ connectionId }];
}
