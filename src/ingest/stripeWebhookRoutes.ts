/**
 * `POST /webhooks/stripe`: the signature is verified by the official `stripe` library over the
 * raw request bytes (timestamp tolerance 300 s), so this plugin parses application/json as a
 * Buffer — inside its own encapsulated context only; every other route keeps the JSON parser.
 */
import Stripe from 'stripe';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import { connectionIdSchema, defaultScope, isDefaultConnection, type ConnectionScope } from '../connections/index.ts';
import type { Pool } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { acceptWebhookEvent } from './acceptWebhookEvent.ts';
import { ingestMetrics } from './ingestMetrics.ts';
import { errorView } from './ingestSchemas.ts';

/** Options of {@link stripeWebhookRoutes}. */
export interface StripeWebhookOptions {
  pool: Pool;
  /** STRIPE_WEBHOOK_SECRET (`whsec_…`) of the default connection; without it its deliveries are refused. */
  webhookSecret: string | undefined;
  /**
   * The signing secret of a stored Stripe connection (its credentials' `webhookSecret`), for
   * `POST /webhooks/stripe/:connectionId`; throws 404 for an unknown connection.
   */
  connectionSecret?: (connectionId: string) => Promise<string | undefined>;
  /** Signature timestamp tolerance in seconds (default 300). */
  toleranceS?: number;
  /** Clock for the tolerance check, in ms (tests). */
  now?: () => number;
}

const TOLERANCE_S = 300;

function clip(s: string): string {
  return s.length > 255 ? `${s.slice(0, 255)}…` : s;
}

/** The Stripe webhook endpoint. */
export const stripeWebhookRoutes: FastifyPluginAsyncZod<StripeWebhookOptions> = async (app, opts) => {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  // One delivery: verify against `secret`, then store it for the connection `scope`.
  async function receive(request: FastifyRequest, secret: string | undefined, scope: ConnectionScope, missing: string) {
    if (!secret) {
      throw new AppError('upstream_not_configured', `Stripe webhooks are not configured: set ${missing}`, { details: { upstream: 'stripe', missing: [missing] } });
    }
    const raw = Buffer.isBuffer(request.body) ? request.body : typeof request.body === 'string' ? Buffer.from(request.body) : null;
    const signature = request.headers['stripe-signature'];
    if (!raw || typeof signature !== 'string' || signature.length === 0) {
      ingestMetrics.webhooks.inc({ outcome: 'rejected' });
      throw new AppError('webhook_signature_invalid', 'missing Stripe-Signature header or body');
    }
    let event: Stripe.Event;
    try {
      const receivedAt = opts.now ? Math.floor(opts.now() / 1000) : undefined;
      event = Stripe.webhooks.constructEvent(raw, signature, secret, opts.toleranceS ?? TOLERANCE_S, undefined, receivedAt);
    } catch (err) {
      ingestMetrics.webhooks.inc({ outcome: 'rejected' });
      if ((err as { type?: unknown }).type === 'StripeSignatureVerificationError') {
        throw new AppError('webhook_signature_invalid', (err as Error).message);
      }
      throw new AppError('malformed_json', 'webhook body is not a JSON Stripe event');
    }
    if (event === null || typeof event !== 'object' || typeof event.id !== 'string' || event.id.length === 0) {
      ingestMetrics.webhooks.inc({ outcome: 'rejected' });
      throw new AppError('validation_failed', 'webhook event has no id: expected a JSON object with a non-empty string "id"', { details: { field: 'id' } });
    }
    const accepted = await acceptWebhookEvent(opts.pool, event, scope);
    ingestMetrics.webhooks.inc({ outcome: accepted.fresh ? 'accepted' : 'duplicate' });
    // Only bounded strings are logged: the event itself may be arbitrarily deep or large.
    const log = { eventId: clip(event.id), type: typeof event.type === 'string' ? clip(event.type) : null, duplicate: !accepted.fresh };
    if (accepted.unstorable) request.log.warn({ ...log, reason: accepted.unstorable }, 'stripe webhook beyond the stored bounds: dead-lettered');
    else if (accepted.sanitized) request.log.warn(log, 'stripe webhook stored with characters PostgreSQL cannot hold replaced by U+FFFD');
    else request.log.info(log, 'stripe webhook received');
    return { received: true as const };
    
  }

  app.post(
    '/webhooks/stripe',
    {
      schema: {
        summary: 'Stripe webhook receiver',
        description:
          'Verified with the `Stripe-Signature` header (tolerance 300 s); deduplicated by event id; enqueued to the ingest outbox. ' +
          'Any correctly signed JSON event with a string `id` is accepted (200): characters PostgreSQL cannot store (NUL, unpaired surrogates) ' +
          'are replaced by U+FFFD, and an event nested deeper than 64 levels or with an id over 255 characters goes to the dead-letter queue ' +
          'with its raw JSON. A body over HTTP_BODY_LIMIT_BYTES is refused with 413.',
        tags: ['webhooks'],
        response: { 200: z.object({ received: z.literal(true) }), 400: errorView, 413: errorView, 503: errorView },
      },
    },
    async (request) => receive(request, opts.webhookSecret, defaultScope('stripe'), 'STRIPE_WEBHOOK_SECRET'),
  );

  app.post(
    '/webhooks/stripe/:connectionId',
    {
      schema: {
        summary: 'Stripe webhook receiver of one connection',
        description: 'As `POST /webhooks/stripe`, for the Stripe account of a connection, verified with the `webhookSecret` of its credentials (`stripe-default`: STRIPE_WEBHOOK_SECRET). Unknown connection: 404.',
        tags: ['webhooks'],
        params: z.object({ connectionId: connectionIdSchema }),
        response: { 200: z.object({ received: z.literal(true) }), 400: errorView, 404: errorView, 413: errorView, 503: errorView },
      },
    },
    async (request) => {
      const { connectionId } = request.params;
      const scope: ConnectionScope = { source: 'stripe', connectionId };
      if (isDefaultConnection(scope)) return receive(request, opts.webhookSecret, scope, 'STRIPE_WEBHOOK_SECRET');
      const secret = opts.connectionSecret ? await opts.connectionSecret(connectionId) : undefined;
      return receive(request, secret, scope, `credentials.webhookSecret of connection ${connectionId}`);
    },
  );
};
