/**
 * Announce an event to its subscribers, inside the transaction that caused it: one delivery row
 * and one outbox job per matching subscription commit (or roll back) with the cause. With no
 * matching subscription it costs one indexed query and writes nothing.
 */
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/index.ts';
import { enqueueMany } from '../queue/index.ts';
import type { WebhookEnvelope, WebhookEventInput } from './events.ts';

/** The queue of webhook deliveries. */
export const WEBHOOK_QUEUE = 'webhooks.delivery';

/**
 * The queue's own attempt ceiling for a delivery job. The worker gives up earlier, after
 * WEBHOOK_MAX_ATTEMPTS (never more than this), so the operator's setting applies to jobs
 * already queued too.
 */
export const WEBHOOK_ATTEMPT_CEILING = 25;

/** A delivery job's payload (the body lives in the delivery row). */
export interface DeliveryJob {
  deliveryId: string;
  subscriptionId: string;
  eventId: string;
  /** The event's connection, so `GET /dlq?connectionId=` finds its dead deliveries. */
  connectionId: string | null;
}

const MATCH_SQL = `SELECT id FROM webhook_subscriptions WHERE status = 'active' AND events @> ARRAY[$1::text] AND (connection_id IS NULL OR connection_id = $2)`;

const INSERT_SQL = `
INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, connection_id, body)
SELECT s, $2, $3, $4, $5 FROM unnest($1::text[]) AS s
RETURNING id::text, subscription_id`;

/** Which connections' events of one type some active subscription wants. */
export interface WantedConnections {
  /** No subscription wants the type at all. */
  none: boolean;
  wants(connectionId: string): boolean;
}

/**
 * Which connections' `type` events any active subscription wants (one query), so a producer with
 * events for many connections builds and emits only the wanted ones.
 */
export async function wantedConnections(tx: Queryable, type: WebhookEventInput['type']): Promise<WantedConnections> {
  const { rows } = await tx.query<{ connection_id: string | null }>(`SELECT DISTINCT connection_id FROM webhook_subscriptions WHERE status = 'active' AND events @> ARRAY[$1::text]`, [type]);
  const every = rows.some((r) => r.connection_id === null);
  const some = new Set(rows.map((r) => r.connection_id));
  return { none: rows.length === 0, wants: (connectionId) => every || some.has(connectionId) };
}

/** A fresh event id: `evt_` and 24 hex digits. */
export function newEventId(): string {
  return `evt_${randomBytes(12).toString('hex')}`;
}

/**
 * Write the event's deliveries in `tx` (the caller's transaction); returns the event id, or null
 * when no subscription wants it.
 */
export async function emitWebhookEvent(tx: Queryable, event: WebhookEventInput, at: Date = new Date()): Promise<string | null> {
  const connectionId = event.connectionId ?? null;
  const { rows: subs } = await tx.query<{ id: string }>(MATCH_SQL, [event.type, connectionId]);
  if (subs.length === 0) return null;
  const envelope: WebhookEnvelope = { id: newEventId(), type: event.type, createdAt: at.toISOString(), connectionId, data: event.data };
  const { rows } = await tx.query<{ id: string; subscription_id: string }>(INSERT_SQL, [subs.map((s) => s.id), envelope.id, event.type, connectionId, JSON.stringify(envelope)]);
  await enqueueMany(
    tx,
    WEBHOOK_QUEUE,
    rows.map((d) => {
      const payload: DeliveryJob = { deliveryId: d.id, subscriptionId: d.subscription_id, eventId: envelope.id, connectionId };
      // One fairness group per receiver: a slow or failing one does not hold the others back.
      return { payload, dedupeKey: `delivery:${d.id}`, maxAttempts: WEBHOOK_ATTEMPT_CEILING, group: d.subscription_id };
    }),
  );
  return envelope.id;
}
