/** Request and response schemas of the webhook subscription routes (zod → validation and OpenAPI). */
import { z } from 'zod';
import { connectionIdSchema } from '../connections/index.ts';
import { WEBHOOK_EVENT_TYPES } from './events.ts';
import { receiverUrlSchema } from './checkReceiverUrl.ts';

/** JSON error body. */
export const errorView = z.looseObject({ error: z.string(), message: z.string() });

/** `POST /webhook-subscriptions` body. */
export const createSubscriptionBody = z.strictObject({
  url: receiverUrlSchema,
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES, { error: `expected one of ${WEBHOOK_EVENT_TYPES.join(', ')}` })).min(1).max(WEBHOOK_EVENT_TYPES.length * 4),
  connectionId: connectionIdSchema.optional().describe('only this connection\'s events (default: every connection\'s)'),
  description: z.string().trim().max(500).optional(),
});

/** `/webhook-subscriptions/:id` params. */
export const subscriptionIdParams = z.object({ id: z.string().regex(/^whsub_[0-9a-f]{24}$/, { error: 'expected a subscription id such as whsub_…' }) });

/** A subscription as the API shows it (never its secret). */
export const subscriptionView = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  connectionId: z.string().nullable(),
  description: z.string().nullable(),
  status: z.enum(['active', 'disabled']).describe('disabled: the receiver answered 410 Gone; nothing more is sent'),
  statusReason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** The answer of a create: the subscription and, this once, its signing secret. */
export const createdSubscriptionView = subscriptionView.extend({
  secret: z.string().describe('the signing secret (`whsec_…`), shown only in this answer: store it now'),
});

/** `GET /webhook-subscriptions`. */
export const subscriptionsPage = z.object({ subscriptions: z.array(subscriptionView) });

/** `GET /webhook-subscriptions/:id/deliveries` query. */
export const deliveriesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(/^\d{1,18}$/, { error: 'expected the nextCursor of the previous page' }).optional(),
});

/** One delivery. */
export const deliveryView = z.object({
  id: z.string(),
  eventType: z.enum(WEBHOOK_EVENT_TYPES),
  eventId: z.string(),
  status: z.enum(['pending', 'delivered', 'failed', 'dead']).describe('failed: the last attempt failed and another is scheduled; dead: in the dead letters (replay with POST /dlq/:id/replay)'),
  attempts: z.number().int(),
  lastHttpStatus: z.number().int().nullable(),
  lastError: z.string().nullable().describe('short and scrubbed'),
  createdAt: z.string(),
  lastAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
});

/** `GET /webhook-subscriptions/:id/deliveries`. */
export const deliveriesPage = z.object({ deliveries: z.array(deliveryView), nextCursor: z.string().nullable() });
