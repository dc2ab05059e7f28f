/**
 * Storing a verified Stripe webhook event: its id is recorded in webhook_events and its payload
 * enqueued to the ingest outbox in ONE transaction, so a redelivered event (Stripe delivers at
 * least once) is accepted and ignored, and an accepted event is never lost. The event passes
 * prepareRecord first: whatever a signed body holds, it is stored sanitized (what was replaced
 * is kept on its webhook_events row) or enqueued as unstorable and dead-lettered, never a 5xx.
 */
import { defaultScope, type ConnectionScope } from '../connections/index.ts';
import { storableText, withDbRetry, withTransaction, type Pool } from '../db/index.ts';
import { enqueue } from '../queue/index.ts';
import { normalizeStripe, stripeEventVersion } from '../connectors/index.ts';
import { prepareRecord } from './prepareRecord.ts';
import { storeHashes, unchangedKeys } from './recordHashes.ts';
import { INGEST_QUEUE } from './types.ts';
import { versionRecord } from './versionRecords.ts';
import { outboxDedupeKey, toJobPayload } from './writePage.ts';

/** How an accepted event was stored. */
export interface AcceptedWebhook {
  /** False when this event id was already received. */
  fresh: boolean;
  /** Characters were replaced to make it storable. */
  sanitized: boolean;
  /** Beyond the stored bounds: it goes to the DLQ with this reason. */
  unstorable: string | null;
}

/** Record and enqueue an event (an object with a string `id`) of a Stripe connection (default: the default one). */
export function acceptWebhookEvent(pool: Pool, event: { id: string; type?: unknown }, scope: ConnectionScope = defaultScope('stripe')): Promise<AcceptedWebhook> {
  const prepared = prepareRecord('stripe', { entity: 'event', externalId: event.id, payload: event });
  // Its version (created + id) and row (the charge or refund it carries) take part in dedupe
  // exactly as the pulled copy's do; the id is the stored (sanitized) one.
  const { created } = event as { created?: unknown };
  const version = Number.isInteger(created) ? stripeEventVersion(created as number, prepared.externalId) : null;
  const record = { ...prepared, ...versionRecord(normalizeStripe, { ...prepared, version }) };
  const eventType = typeof event.type === 'string' ? storableText(event.type) : null;
  const outcome = { sanitized: record.sanitized !== null, unstorable: record.unstorable?.reason ?? null };
  return withDbRetry(() =>
    withTransaction(pool, async (tx) => {
      const fresh = await tx.query('INSERT INTO webhook_events (event_id, source, event_type, sanitized) VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING', [
        record.externalId, 'stripe', eventType, record.sanitized ? JSON.stringify(record.sanitized) : null,
      ]);
      if (fresh.rowCount !== 1) return { fresh: false, ...outcome };
      // The same event may also arrive through the Events API pull: share its content hash so
      // whichever comes second is deduped.
      if ((await unchangedKeys(tx, scope, [record])).size > 0) return { fresh: true, ...outcome };
      await enqueue(tx, INGEST_QUEUE, toJobPayload(scope, record, null), { dedupeKey: outboxDedupeKey(scope, 'event', record.externalId, record.hash), group: scope.connectionId });
      await storeHashes(tx, scope, [record]);
      return { fresh: true, ...outcome };
    }),
  );
}
