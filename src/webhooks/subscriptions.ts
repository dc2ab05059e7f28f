/**
 * The webhook_subscriptions table. The signing secret is generated here, sealed by the secret
 * box bound to the subscription id, and handed back exactly once, by {@link createSubscription};
 * every other read leaves it out.
 */
import { randomBytes } from 'node:crypto';
import { withTransaction, type Pool, type PoolClient, type Queryable, type TransactionContext } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { findConnection, type SecretBox } from '../connections/index.ts';
import type { WebhookEventType } from './events.ts';
import { newSigningSecret } from '../notices/index.ts';

/** A subscription as the API shows it (never its secret). */
export interface Subscription {
  id: string;
  url: string;
  events: WebhookEventType[];
  connectionId: string | null;
  description: string | null;
  status: 'active' | 'disabled';
  statusReason: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What a new subscription is made of (already validated by the route's schema). */
export interface NewSubscription {
  url: string;
  events: WebhookEventType[];
  connectionId?: string | undefined;
  description?: string | undefined;
}

interface Row {
  id: string;
  url: string;
  events: WebhookEventType[];
  connection_id: string | null;
  description: string | null;
  status: 'active' | 'disabled';
  status_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, url, events, connection_id, description, status, status_reason, created_at, updated_at';

function toSubscription(r: Row): Subscription {
  return {
    id: r.id, url: r.url, events: r.events, connectionId: r.connection_id, description: r.description, status: r.status, statusReason: r.status_reason,
    createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
  };
}

/** A fresh subscription id: `whsub_` and 24 hex digits (96 random bits). */
export function newSubscriptionId(): string {
  return `whsub_${randomBytes(12).toString('hex')}`;
}

/**
 * Insert a subscription with a fresh sealed secret; returns it with the secret in clear (to be
 * shown once). `within` runs in the same transaction (the idempotent response commits with it).
 */
export async function createSubscription(
  deps: { pool: Pool; box: SecretBox },
  input: NewSubscription,
  within?: (tx: PoolClient, created: Subscription & { secret: string }, ctx: TransactionContext) => Promise<void> | void,
): Promise<Subscription & { secret: string }> {
  if (input.connectionId && !(await findConnection(deps.pool, input.connectionId))) {
    throw new AppError('unknown_connection', `connectionId: no connection ${input.connectionId}`, { details: { field: 'connectionId' } });
  }
  const id = newSubscriptionId();
  const secret = newSigningSecret();
  const events = [...new Set(input.events)].sort() as WebhookEventType[];
  return withTransaction(deps.pool, async (tx, ctx) => {
    const { rows } = await tx.query<Row>(
      `INSERT INTO webhook_subscriptions (id, url, events, connection_id, description, secret_sealed, secret_key_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [id, input.url, events, input.connectionId ?? null, input.description ?? null, deps.box.seal(secret, id), deps.box.keyId],
    );
    const created = { ...toSubscription(rows[0]!), secret };
    await within?.(tx, created, ctx);
    return created;
  });
}

/** Every subscription, oldest first. */
export async function listSubscriptions(db: Queryable): Promise<Subscription[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM webhook_subscriptions ORDER BY created_at, id`);
  return rows.map(toSubscription);
}

/** One subscription, or 404. */
export async function getSubscription(db: Queryable, id: string): Promise<Subscription> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM webhook_subscriptions WHERE id = $1`, [id]);
  if (!rows[0]) throw subscriptionNotFound(id);
  return toSubscription(rows[0]);
}

/** Delete a subscription and, with it (cascade), its deliveries: the pending ones are never sent. */
export async function deleteSubscription(tx: Queryable, id: string): Promise<void> {
  const res = await tx.query('DELETE FROM webhook_subscriptions WHERE id = $1', [id]);
  if (!res.rowCount) throw subscriptionNotFound(id);
}

/** A subscription's signing secret in clear, or null when it is gone (for signing, and the replay of its create). */
export async function openSecret(db: Queryable, box: SecretBox, id: string): Promise<string | null> {
  const { rows } = await db.query<{ secret_sealed: string }>('SELECT secret_sealed FROM webhook_subscriptions WHERE id = $1', [id]);
  return rows[0] ? box.open(rows[0].secret_sealed, id) : null;
}

/** Stop sending to a subscription (its receiver said 410 Gone). */
export async function disableSubscription(db: Queryable, id: string, reason: string): Promise<void> {
  await db.query(`UPDATE webhook_subscriptions SET status = 'disabled', status_reason = $2, updated_at = now() WHERE id = $1 AND status = 'active'`, [id, reason]);
}

/** The 404 of an unknown subscription id. */
export function subscriptionNotFound(id: string): AppError {
  return new AppError('webhook_subscription_not_found', `no webhook subscription ${id}`);
}
