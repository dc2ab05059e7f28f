/**
 * Stripe API routes: key auth (Bearer or Basic with the key as username), list and retrieve
 * for charges, refunds and events, Stripe's 404 for unknown URLs.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isControlPath, type FaultState } from '../common/index.ts';
import { renderCharge } from './data.ts';
import { invalidParam, resourceMissing, sendStripeError, unauthorized } from './errors.ts';
import { parseListQuery, typeMatches } from './params.ts';
import type { StripeState } from './state.ts';
import type { ListResult } from './store.ts';

/** What the routes need from the simulator. */
export interface StripeRouteDeps {
  world: () => StripeState;
  /** Generate activity up to now before answering. */
  catchUp: () => void;
  faults: FaultState;
  /** Only this key is accepted when set; otherwise any `sk_test_…` / `rk_test_…` key. */
  apiKey?: string;
}

/** Extract the API key from Bearer or Basic (`key:`) authorization. */
export function apiKeyFrom(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer') return value.trim() || undefined;
  if (scheme?.toLowerCase() === 'basic') return Buffer.from(value, 'base64').toString('utf8').split(':')[0] || undefined;
  return undefined;
}

/** Register the Stripe API on `app`. */
export function registerStripeRoutes(app: FastifyInstance, deps: StripeRouteDeps): void {
  app.addHook('onRequest', async (req, reply) => {
    if (isControlPath(req.url)) return;
    reply.header('request-id', `req_${randomBytes(7).toString('hex')}`);
    const key = apiKeyFrom(req.headers.authorization);
    const ok = key !== undefined && (deps.apiKey ? key === deps.apiKey : /^(sk|rk)_test_\w+/.test(key));
    if (!ok) return unauthorized(reply, key);
    deps.catchUp();
  });
  app.setNotFoundHandler((req, reply) =>
    sendStripeError(reply, 404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${req.method}: ${req.url.split('?')[0]}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    }),
  );

  const listReply = <T>(req: FastifyRequest, reply: FastifyReply, url: string, noun: string, res: ListResult<T>, render: (t: T) => unknown) => {
    if (!res.ok) return resourceMissing(reply, 400, noun, res.id, res.missingCursor);
    return { object: 'list', data: res.data.map(render), has_more: res.hasMore, url };
  };
  const staleCursor = (reply: FastifyReply, noun: string, q: { startingAfter?: string; endingBefore?: string }) => {
    if (!deps.faults.get().staleCursor) return undefined;
    const id = q.startingAfter ?? q.endingBefore;
    return id === undefined ? undefined : resourceMissing(reply, 400, noun, id, q.startingAfter ? 'starting_after' : 'ending_before');
  };

  app.get('/v1/charges', async (req, reply) => {
    const q = parseListQuery(req.query as Record<string, unknown>, ['customer', 'payment_intent', 'transfer_group']);
    if (!q.ok) return invalidParam(reply, q.param, q.message, q.code);
    const stale = staleCursor(reply, 'charge', q);
    if (stale) return stale;
    const { customer, payment_intent: pi } = q.filters;
    const where = customer || pi ? (r: { charge: { customer: string; payment_intent: string } }) => (!customer || r.charge.customer === customer) && (!pi || r.charge.payment_intent === pi) : undefined;
    const res = deps.world().charges.list({ ...q, ...(where ? { where } : {}) });
    return listReply(req, reply, '/v1/charges', 'charge', res, (r) => renderCharge(r.charge, r.poison));
  });

  app.get<{ Params: { id: string } }>('/v1/charges/:id', async (req, reply) => {
    const rec = deps.world().charges.get(req.params.id);
    return rec ? renderCharge(rec.charge, rec.poison) : resourceMissing(reply, 404, 'charge', req.params.id, 'id');
  });

  app.get<{ Params: { id: string } }>('/v1/charges/:id/refunds', async (req, reply) => {
    const rec = deps.world().charges.get(req.params.id);
    if (!rec) return resourceMissing(reply, 404, 'charge', req.params.id, 'charge');
    const q = parseListQuery(req.query as Record<string, unknown>, []);
    if (!q.ok) return invalidParam(reply, q.param, q.message, q.code);
    const res = deps.world().refunds.list({ ...q, where: (r) => r.charge === rec.charge.id });
    return listReply(req, reply, `/v1/charges/${rec.charge.id}/refunds`, 'refund', res, (r) => r);
  });

  app.get('/v1/refunds', async (req, reply) => {
    const q = parseListQuery(req.query as Record<string, unknown>, ['charge', 'payment_intent']);
    if (!q.ok) return invalidParam(reply, q.param, q.message, q.code);
    const stale = staleCursor(reply, 'refund', q);
    if (stale) return stale;
    const { charge, payment_intent: pi } = q.filters;
    const where = charge || pi ? (r: { charge: string; payment_intent: string }) => (!charge || r.charge === charge) && (!pi || r.payment_intent === pi) : undefined;
    const res = deps.world().refunds.list({ ...q, ...(where ? { where } : {}) });
    return listReply(req, reply, '/v1/refunds', 'refund', res, (r) => r);
  });

  app.get<{ Params: { id: string } }>('/v1/refunds/:id', async (req, reply) => {
    const refund = deps.world().refunds.get(req.params.id);
    return refund ?? resourceMissing(reply, 404, 'refund', req.params.id, 'id');
  });

  app.get('/v1/events', async (req, reply) => {
    const q = parseListQuery(req.query as Record<string, unknown>, ['type', 'delivery_success'], { types: true });
    if (!q.ok) return invalidParam(reply, q.param, q.message, q.code);
    const stale = staleCursor(reply, 'event', q);
    if (stale) return stale;
    if (q.types && q.types.length > 20) return invalidParam(reply, 'types', 'You may pass at most 20 types.');
    const wanted = q.types ?? (q.filters.type ? [q.filters.type] : undefined);
    const where = wanted ? (e: { type: string }) => wanted.some((w) => typeMatches(e.type, w)) : undefined;
    const res = deps.world().events.list({ ...q, ...(where ? { where } : {}) });
    return listReply(req, reply, '/v1/events', 'event', res, (e) => e);
  });

  app.get<{ Params: { id: string } }>('/v1/events/:id', async (req, reply) => {
    const event = deps.world().events.get(req.params.id);
    return event ?? resourceMissing(reply, 404, 'event', req.params.id, 'id');
  });
}
