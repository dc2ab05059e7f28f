/**
 * Stripe's error envelope `{ error: { type, code?, message, param?, doc_url? } }` and the
 * answers the simulator gives with it (auth, missing objects, bad params, 429, 503).
 */
import type { FastifyReply } from 'fastify';

/** Body of a Stripe error. */
export interface StripeErrorBody {
  type: 'invalid_request_error' | 'api_error' | 'authentication_error' | 'rate_limit_error';
  message: string;
  code?: string;
  param?: string;
  doc_url?: string;
}

/** Send a Stripe error. */
export function sendStripeError(reply: FastifyReply, status: number, error: StripeErrorBody): FastifyReply {
  return reply.code(status).send({ error });
}

/** 400 for a bad parameter. */
export function invalidParam(reply: FastifyReply, param: string, message: string, code?: string): FastifyReply {
  return sendStripeError(reply, 400, { type: 'invalid_request_error', message, param, ...(code ? { code, doc_url: `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}` } : {}) });
}

/** `No such <noun>: '<id>'` as 404 (retrieve) or 400 (a list cursor). */
export function resourceMissing(reply: FastifyReply, status: 400 | 404, noun: string, id: string, param: string): FastifyReply {
  return sendStripeError(reply, status, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
    message: `No such ${noun}: '${id}'`,
    param,
  });
}

/** 429 exactly as Stripe: `Stripe-Rate-Limited-Reason`, no `Retry-After`, code `rate_limit`. */
export function rateLimited(reply: FastifyReply): void {
  void reply
    .code(429)
    .header('stripe-rate-limited-reason', 'global-rate')
    .send({
      error: {
        code: 'rate_limit',
        doc_url: 'https://stripe.com/docs/error-codes/rate-limit',
        message: 'Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.',
        type: 'invalid_request_error',
      },
    });
}

/** 503 as Stripe's API error. */
export function unavailable(reply: FastifyReply): void {
  void reply
    .code(503)
    .header('stripe-should-retry', 'true')
    .send({ error: { type: 'api_error', message: 'The Stripe API is temporarily unavailable. Please try again later.' } });
}

/** 401 for a missing or wrong key (Stripe masks all but the last 4 characters). */
export function unauthorized(reply: FastifyReply, key: string | undefined): FastifyReply {
  const message = key
    ? `Invalid API Key provided: ${key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}` : `${key.slice(0, 3)}****`}`
    : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.";
  return reply.code(401).header('www-authenticate', 'Basic realm="Stripe"').send({ error: { type: 'invalid_request_error', message } });
}
