/**
 * The status consumer's write: a forward-only transition decided in SQL. The guarded UPDATE
 * only matches while the stored status ranks below the event's, so a duplicate, a replay or
 * an event that arrives after a later one changes nothing — whatever order workers run in.
 */
import type { Queryable } from '../db/index.ts';
import { EVENT_STATUS, type OrderEvent } from './orderEvents.ts';
import { ORDER_STATUSES } from './orderStatus.ts';

/** Consumer name under which the status consumer records processed events. */
export const STATUS_CONSUMER = 'orders.status';

/** What applying one event did. */
export type StatusOutcome = 'applied' | 'stale' | 'duplicate' | 'missing_order';

// prev locks the row and reads the status being replaced (for history); the UPDATE re-checks
// the rank against the row it updates, so the guard holds under concurrent consumers too.
const APPLY_SQL = `
WITH prev AS (
  SELECT status FROM orders WHERE id = $1 FOR UPDATE
), upd AS (
  UPDATE orders o SET status = $2, updated_at = now()
  FROM prev
  WHERE o.id = $1 AND array_position($3::text[], o.status) < array_position($3::text[], $2::text)
  RETURNING prev.status AS from_status
), hist AS (
  INSERT INTO order_status_history (order_id, from_status, to_status, event_id, at)
  SELECT $1, from_status, $2, $4, $5 FROM upd
  RETURNING 1
)
SELECT (SELECT count(*) FROM prev)::int AS found, (SELECT count(*) FROM hist)::int AS applied`;

/**
 * Record `event` as processed by `consumer` and apply its status move, in the caller's
 * transaction. An event id seen before is a no-op ('duplicate').
 */
export async function applyStatusEvent(tx: Queryable, event: OrderEvent, consumer: string = STATUS_CONSUMER): Promise<StatusOutcome> {
  const fresh = await markProcessed(tx, consumer, event.eventId);
  if (!fresh) return 'duplicate';
  const { rows } = await tx.query<{ found: number; applied: number }>(APPLY_SQL, [event.orderId, EVENT_STATUS[event.type], ORDER_STATUSES, event.eventId, event.occurredAt]);
  const r = rows[0];
  if (!r || r.found === 0) return 'missing_order';
  return r.applied === 1 ? 'applied' : 'stale';
}

/** Insert (consumer, eventId) into processed_events; false when it was already there. */
export async function markProcessed(tx: Queryable, consumer: string, eventId: string): Promise<boolean> {
  const res = await tx.query('INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [consumer, eventId]);
  return res.rowCount === 1;
}
