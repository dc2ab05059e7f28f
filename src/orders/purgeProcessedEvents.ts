/**
 * Pruning consumer-idempotency records. An event id only needs remembering while a duplicate
 * of it can still arrive (redelivery, DLQ replay); after that the forward-only status guard
 * alone keeps a very late duplicate harmless, so the table need not grow forever.
 */
import { deleteInBatches, type Queryable } from '../db/index.ts';

const SQL = `DELETE FROM processed_events WHERE ctid = ANY(ARRAY(SELECT ctid FROM processed_events WHERE processed_at < $1 LIMIT $2))`;

/** Delete processed-event records from before `before`; returns how many. */
export function purgeProcessedEvents(db: Queryable, before: Date): Promise<number> {
  return deleteInBatches(db, SQL, [before]);
}
