/**
 * Outbound webhooks (docs/webhooks.md): subscriptions, signed deliveries through the queue core,
 * and the events producers emit in their own transactions. Other modules import this module
 * only through this file; it imports neither ingest nor reconcile (they call into it).
 */
export { WEBHOOK_EVENT_TYPES, type WebhookEventType, type WebhookEventInput, type WebhookEnvelope, type WebhookEventData, type SyncEventData, type ReconciliationEventData, type RecordsChangedData } from './events.ts';
export { emitWebhookEvent, isEventWanted, newEventId, WEBHOOK_QUEUE, WEBHOOK_ATTEMPT_CEILING, type DeliveryJob } from './emitWebhookEvent.ts';
export { createWebhookWorker, WEBHOOK_BACKOFF, type WebhookWorkerDeps } from './createWebhookWorker.ts';
export { webhookRoutes, type WebhookRoutesOptions } from './webhookRoutes.ts';
export { signatureHeader, verifySignature, newSigningSecret } from './signature.ts';
export { isPublicAddress, ForbiddenAddressError } from './addressPolicy.ts';
export { resealWebhookSecrets } from './resealSecrets.ts';
export { listDeliveries, purgeDeliveredWebhooks, type Delivery, type DeliveryStatus } from './deliveries.ts';
