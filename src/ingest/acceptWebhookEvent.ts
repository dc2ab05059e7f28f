/**
 * Storing a verified Stripe webhook event: its id is recorded in webhook_events and its payload
 * enqueued to the ingest outbox in ONE transaction, so a redelivered event (Stripe delivers at
 * least once) is accepted and ignored, and an accepted event is never lost.
 */
import { withDbRetry, withTransaction, type Pool } from '../db/index.ts';
import { enqueue } from '../queue/index.ts';
import { normalizeStripe, stripeEventVersion } from '../connectors/index.ts';
import { hashContent } from './hashContent.ts';
import { storeHashes, unchangedKeys } from './recordHashes.ts';
import { INGEST_QUEUE, type IngestJobPayload } from './types.ts';
import { versionRecord } from './versionRecords.ts';
import { outboxDedupeKey } from './writePage.ts';

/** Record and enqueue an event; false when this event id was already received. */
export function acceptWebhookEvent(pool: Pool, event: { id: string; type?: string }): Promise<boolean> {
  return withDbRetry(() =>
    withTransaction(pool, async (tx) => {
      const fresh = await tx.query('INSERT INTO webhook_events (event_id, source, event_type) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING', [
        event.id, 'stripe', event.type ?? null,
      ]);
      if (fresh.rowCount !== 1) return false;
      // The same event may also arrive through the Events API pull: share its content hash so
      // whichever comes second is deduped.
      // Its version and row (created + id, the charge or refund it carries) take part in dedupe
      // exactly as the pulled copy's do.
      const { created } = event as { created?: unknown };
      const version = Number.isInteger(created) ? stripeEventVersion(created as number, event.id) : null;
      const record = { entity: 'event', externalId: event.id, payload: event, version };
      const key = { ...record, hash: hashContent(event), ...versionRecord(normalizeStripe, record) };
      if ((await unchangedKeys(tx, 'stripe', [key])).size > 0) return true;
      const payload: IngestJobPayload = { source: 'stripe', entity: 'event', externalId: event.id, payload: event, hash: key.hash, version: key.version, runId: null };
      await enqueue(tx, INGEST_QUEUE, payload, { dedupeKey: outboxDedupeKey('stripe', 'event', event.id, key.hash) });
      await storeHashes(tx, 'stripe', [key]);
      return true;
    }),
  );
}
