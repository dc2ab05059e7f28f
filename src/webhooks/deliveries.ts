/** The webhook_deliveries table: what the worker reads to send, records after each attempt, and the API lists. */
import { deleteInBatches, type Queryable } from '../db/index.ts';
import type { WebhookEventType } from './events.ts';

/** Status of a delivery: failed = the last attempt failed and another is scheduled; dead = in the DLQ. */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dead';

/** A delivery as the API shows it. */
export interface Delivery {
  id: string;
  eventType: WebhookEventType;
  eventId: string;
  status: DeliveryStatus;
  attempts: number;
  lastHttpStatus: number | null;
  lastError: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
}

/** What the worker needs to send one delivery. */
export interface OutgoingDelivery {
  id: string;
  subscriptionId: string;
  url: string;
  body: string;
  secretSealed: string;
  subscriptionStatus: 'active' | 'disabled';
  statusReason: string | null;
}

/** The delivery with its subscription's URL and sealed secret; null when either is gone (deleted). */
export async function outgoingDelivery(db: Queryable, deliveryId: string): Promise<OutgoingDelivery | null> {
  const { rows } = await db.query<{ id: string; subscription_id: string; url: string; body: string; secret_sealed: string; status: 'active' | 'disabled'; status_reason: string | null }>(
    `SELECT d.id::text, d.subscription_id, s.url, d.body, s.secret_sealed, s.status, s.status_reason
     FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id WHERE d.id = $1`,
    [deliveryId],
  );
  const r = rows[0];
  return r ? { id: r.id, subscriptionId: r.subscription_id, url: r.url, body: r.body, secretSealed: r.secret_sealed, subscriptionStatus: r.status, statusReason: r.status_reason } : null;
}

/** One attempt's outcome. */
export interface AttemptRecord {
  status: Exclude<DeliveryStatus, 'pending'>;
  httpStatus: number | null;
  error: string | null;
}

/** Count an attempt and set the delivery's status (delivered_at on success). */
export async function recordAttempt(db: Queryable, deliveryId: string, a: AttemptRecord): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET attempts = attempts + 1, status = $2, last_http_status = $3, last_error = $4, last_attempt_at = now(),
       delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END
     WHERE id = $1`,
    [deliveryId, a.status, a.httpStatus, a.error],
  );
}

/** Mark a delivery dead without an attempt (its subscription was disabled). */
export async function markDeliveryDead(db: Queryable, deliveryId: string, error: string): Promise<void> {
  await db.query(`UPDATE webhook_deliveries SET status = 'dead', last_error = $2 WHERE id = $1`, [deliveryId, error]);
}

interface Row {
  id: string;
  event_type: WebhookEventType;
  event_id: string;
  status: DeliveryStatus;
  attempts: number;
  last_http_status: number | null;
  last_error: string | null;
  created_at: Date;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
}

/** A subscription's deliveries newest first, one keyset page (cursor = the last id shown); nextCursor null on the last page. */
export async function listDeliveries(db: Queryable, subscriptionId: string, opts: { limit: number; cursor?: string | undefined }): Promise<{ deliveries: Delivery[]; nextCursor: string | null }> {
  const { rows } = await db.query<Row>(
    `SELECT id::text, event_type, event_id, status, attempts, last_http_status, last_error, created_at, last_attempt_at, delivered_at
     FROM webhook_deliveries WHERE subscription_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
    [subscriptionId, opts.cursor ?? null, opts.limit + 1],
  );
  const page = rows.slice(0, opts.limit);
  return {
    deliveries: page.map((r) => ({
      id: r.id, eventType: r.event_type, eventId: r.event_id, status: r.status, attempts: r.attempts, lastHttpStatus: r.last_http_status, lastError: r.last_error,
      createdAt: r.created_at.toISOString(), lastAttemptAt: r.last_attempt_at?.toISOString() ?? null, deliveredAt: r.delivered_at?.toISOString() ?? null,
    })),
    nextCursor: rows.length > opts.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}

const PURGE_DELIVERED_SQL = `DELETE FROM webhook_deliveries WHERE ctid = ANY(ARRAY(SELECT ctid FROM webhook_deliveries WHERE status = 'delivered' AND delivered_at < $1 LIMIT $2))`;

/**
 * Delete deliveries delivered before `before` (the maintenance loop): a delivery's row is its
 * history, useful while someone may ask what was sent; failed and dead ones are kept.
 */
export function purgeDeliveredWebhooks(db: Queryable, before: Date): Promise<number> {
  return deleteInBatches(db, PURGE_DELIVERED_SQL, [before]);
}
