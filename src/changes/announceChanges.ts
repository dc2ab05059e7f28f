/**
 * `records.changed` webhook events: in a transaction that wrote unified rows, one event per
 * (table, connection) it changed, carrying the feed range (not the rows). Called by the writers
 * through IngestDeps.announceChanges (ingest cannot import this module: the feed reads ingest's
 * tables), before their commit, so the event exists exactly when the changes do.
 */
import type { Queryable } from '../db/index.ts';
import { emitWebhookEvent, wantedConnections } from '../webhooks/index.ts';
import { changeRangesOfTransaction } from './feedPositions.ts';

/** Emit the `records.changed` events of the changes `tx` wrote so far, for the connections some subscription wants (none: no range is even read). */
export async function announceChanges(tx: Queryable): Promise<void> {
  const wanted = await wantedConnections(tx, 'records.changed');
  if (wanted.none) return;
  for (const range of await changeRangesOfTransaction(tx)) {
    if (!wanted.wants(range.connectionId)) continue;
    await emitWebhookEvent(tx, {
      type: 'records.changed',
      connectionId: range.connectionId,
      data: { table: range.table, connectionId: range.connectionId, count: range.count, fromCursor: range.after, toCursor: range.last },
    });
  }
}
