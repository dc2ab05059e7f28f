/**
 * `POST /webhooks/stripe`: the signature is verified by the official `stripe` library over the
 * raw request bytes (timestamp tolerance 300 s), so this plugin parses application/json as a
 * Buffer — inside its own encapsulated context only; every other route keeps the JSON parser.
 */
import Stripe from 'stripe';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Pool } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { acceptWebhookEvent } from './acceptWebhookEvent.ts';
import { ingestMetrics } from './ingestMetrics.ts';
import { errorView } from './ingestSchemas.ts';

/** Options of {@link stripeWebhookRoutes}. */
export interface StripeWebhookOptions {
  pool: Pool;
  /** STRIPE_WEBHOOK_SECRET (`whsec_…`); without it every delivery is refused. */
  webhookSecret: string | undefined;
  /** Signature timestamp tolerance in seconds (default 300). */
  toleranceS?: number;
  /** Clock for the tolerance check, in ms (tests). */
  now?: () => number;
}

const TOLERANCE_S = 300;

/** The Stripe webhook endpoint. */
export const stripeWebhookRoutes: FastifyPluginAsyncZod<StripeWebhookOptions> = async (app, opts) => {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post(
    '/webhooks/stripe',
    {
      schema: {
        summary: 'Stripe webhook receiver',
        description: 'Verified with the `Stripe-Signature` header (tolerance 300 s); deduplicated by event id; enqueued to the ingest outbox.',
        tags: ['webhooks'],
        response: { 200: z.object({ received: z.literal(true) }), 400: errorView, 503: errorView },
      },
    },
    async (request) => {
      if (!opts.webhookSecret) {
        throw new AppError('upstream_not_configured', 'Stripe webhooks are not configured: set STRIPE_WEBHOOK_SECRET', { details: { upstream: 'stripe', missing: ['STRIPE_WEBHOOK_SECRET'] } });
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
        event = Stripe.webhooks.constructEvent(raw, signature, opts.webhookSecret, opts.toleranceS ?? TOLERANCE_S, undefined, receivedAt);
      } catch (err) {
        ingestMetrics.webhooks.inc({ outcome: 'rejected' });
        if ((err as { type?: unknown }).type === 'StripeSignatureVerificationError') {
          throw new AppError('webhook_signature_invalid', (err as Error).message);
        }
        throw new AppError('malformed_json', 'webhook body is not a JSON Stripe event');
      }
      if (typeof event?.id !== 'string' || event.id.length === 0) throw new AppError('validation_failed', 'webhook event has no id', { details: { field: 'id' } });
      const fresh = await acceptWebhookEvent(opts.pool, event);
      ingestMetrics.webhooks.inc({ outcome: fresh ? 'accepted' : 'duplicate' });
      request.log.info({ eventId: event.id, type: event.type, duplicate: !fresh }, 'stripe webhook received');
      return { received: true as const };
    },
  );
};
