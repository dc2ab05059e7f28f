/**
 * Pruning consumer-idempotency records. An event id only needs remembering while a duplicate
 * of it can still arrive (redelivery, DLQ replay); after that the forward-only status guard
 * alone keeps a very late duplicate harmless, so the table need not grow forever.
 */
import type { Queryable } from '../db/index.ts';

/** Delete processed-event records older than `olderThanDays` (default 30); returns how many. */
export async function purgeProcessedEvents(db: Queryable, olderThanDays = 30): Promise<number> {
  const res = await db.query("DELETE FROM processed_events WHERE processed_at < now() - make_interval(days => $1)", [olderThanDays]);
  return res.rowCount ?? 0;
}
