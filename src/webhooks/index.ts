/**
 * Outbound webhooks (docs/webhooks.md): subscriptions, signed deliveries through the queue core,
 * and the events producers emit in their own transactions. Other modules import this module
 * only through this file; it imports neither ingest nor reconcile (they call into it).
 */
export { type WebhookEnvelope, type RecordsChangedData } from './events.ts';
export { emitWebhookEvent, wantedConnections, WEBHOOK_QUEUE } from './emitWebhookEvent.ts';
export { createWebhookWorker } from './createWebhookWorker.ts';
export { webhookRoutes } from './webhookRoutes.ts';

export { isPublicAddress } from './addressPolicy.ts';
export { resealWebhookSecrets } from './resealSecrets.ts';
export { purgeDeliveredWebhooks, type Delivery } from './deliveries.ts';
