/**
 * Admin API of outbound webhooks: `POST /webhook-subscriptions` (answers the signing secret,
 * once), `GET /webhook-subscriptions`, `GET /webhook-subscriptions/:id`,
 * `DELETE /webhook-subscriptions/:id`, `GET /webhook-subscriptions/:id/deliveries`. All take
 * X-Admin-Api-Key; the writes take an Idempotency-Key, their answer stored in the transaction
 * that makes the change, like the connections API. The secret is never logged: request logging
 * is off in the app shell and nothing here logs a body.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { withTransaction, type Pool } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { markIdempotentResponseStored, requireAdminKey, requireIdempotencyKey, storeIdempotentResponseIn } from '../http/index.ts';
import type { SecretBox } from '../connections/index.ts';
import { assertReachableUrl } from './checkReceiverUrl.ts';
import { listDeliveries } from './deliveries.ts';
import { createSubscription, deleteSubscription, getSubscription, listSubscriptions, openSecret, subscriptionNotFound } from './subscriptions.ts';
import { createdSubscriptionView, createSubscriptionBody, deliveriesPage, deliveriesQuery, errorView, subscriptionIdParams, subscriptionsPage, subscriptionView } from './webhookSchemas.ts';

/** Options of {@link webhookRoutes}. */
export interface WebhookRoutesOptions {
  pool: Pool;
  /** Seals the signing secrets; undefined without BUFFALO_SECRET_KEY: creating answers 503. */
  box: SecretBox | undefined;
  /** WEBHOOK_ALLOW_PRIVATE_URLS. */
  allowPrivateUrls: boolean;
}

const TAGS = ['webhooks'];
const SECURITY = [{ adminApiKey: [] }];

/** Register with `app.register(webhookRoutes, { pool, box, allowPrivateUrls })`. */
export const webhookRoutes: FastifyPluginAsyncZod<WebhookRoutesOptions> = async (app, opts) => {
  const { pool } = opts;
  // The stored answer of a create leaves the secret out (no table holds it in clear); a replay
  // of that same request gets it back from the sealed copy, so it answers the same as the first.
  app.addHook('preSerialization', async (request, reply, payload) => {
    if (!isReplayedCreate(request, reply.getHeader('idempotent-replayed'), reply.statusCode) || !payload || typeof payload !== 'object') return payload;
    const id = (payload as { id?: unknown }).id;
    const secret = typeof id === 'string' && opts.box ? await openSecret(pool, opts.box, id) : null;
    if (secret === null) throw subscriptionNotFound(String(id));
    return { ...payload, secret };
  });

  app.post(
    '/webhook-subscriptions',
    {
      onRequest: requireAdminKey,
      preHandler: requireIdempotencyKey,
      schema: {
        summary: 'Subscribe a receiver URL to events',
        description: 'Events: `sync.completed`, `sync.failed`, `records.changed`, `reconciliation.completed`; `connectionId` narrows them to one connection. Answers the signing secret (`whsec_…`) once: no read shows it again (a replay of this same request with its Idempotency-Key answers the same, secret included). A URL whose host is a private, loopback or link-local address (literal or by resolution) is refused with 422 unless WEBHOOK_ALLOW_PRIVATE_URLS. See docs/webhooks.md. Requires an Idempotency-Key.',
        tags: TAGS,
        security: SECURITY,
        body: createSubscriptionBody,
        response: { 201: createdSubscriptionView, 400: errorView, 401: errorView, 409: errorView, 422: errorView, 503: errorView },
      },
    },
    async (request, reply) => {
      if (!opts.box) throw new AppError('service_unavailable', 'webhook signing secrets cannot be sealed: BUFFALO_SECRET_KEY is not set (see docs/connections.md)');
      await assertReachableUrl(request.body.url, opts.allowPrivateUrls);
      const created = await createSubscription({ pool, box: opts.box }, request.body, (tx, sub, ctx) => {
        const { secret: _shownOnce, ...stored } = sub;
        ctx.alongCommit(storeIdempotentResponseIn(tx, request, 201, stored));
      });
      markIdempotentResponseStored(request);
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/webhook-subscriptions',
    { onRequest: requireAdminKey, schema: { summary: 'Webhook subscriptions (never their secrets)', tags: TAGS, security: SECURITY, response: { 200: subscriptionsPage, 401: errorView } } },
    async () => ({ subscriptions: await listSubscriptions(pool) }),
  );

  app.get(
    '/webhook-subscriptions/:id',
    {
      onRequest: requireAdminKey,
      schema: { summary: 'One webhook subscription (never its secret)', tags: TAGS, security: SECURITY, params: subscriptionIdParams, response: { 200: subscriptionView, 400: errorView, 401: errorView, 404: errorView } },
    },
    async (request) => getSubscription(pool, request.params.id),
  );

  app.delete(
    '/webhook-subscriptions/:id',
    {
      onRequest: requireAdminKey,
      preHandler: requireIdempotencyKey,
      schema: {
        summary: 'Delete a webhook subscription',
        description: 'Deletes the subscription and its delivery history; deliveries not yet sent are dropped. Requires an Idempotency-Key.',
        tags: TAGS,
        security: SECURITY,
        params: subscriptionIdParams,
        response: { 204: z.null().describe('No content'), 400: errorView, 401: errorView, 404: errorView },
      },
    },
    async (request, reply) => {
      await withTransaction(pool, async (tx, ctx) => {
        await deleteSubscription(tx, request.params.id);
        ctx.alongCommit(storeIdempotentResponseIn(tx, request, 204, null));
      });
      markIdempotentResponseStored(request);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/webhook-subscriptions/:id/deliveries',
    {
      onRequest: requireAdminKey,
      schema: {
        summary: 'A subscription\'s deliveries, newest first',
        description: 'Each with its status (pending, delivered, failed = retrying, dead = in the dead letters), attempts, last HTTP status and a short scrubbed error. Pages with `cursor` = the previous page\'s `nextCursor`.',
        tags: TAGS,
        security: SECURITY,
        params: subscriptionIdParams,
        querystring: deliveriesQuery,
        response: { 200: deliveriesPage, 400: errorView, 401: errorView, 404: errorView },
      },
    },
    async (request) => {
      await getSubscription(pool, request.params.id);
      return listDeliveries(pool, request.params.id, { limit: request.query.limit, cursor: request.query.cursor });
    },
  );
};

function isReplayedCreate(request: FastifyRequest, replayed: unknown, status: number): boolean {
  return replayed === 'true' && status === 201 && request.method === 'POST' && request.routeOptions.url === '/webhook-subscriptions';
}
