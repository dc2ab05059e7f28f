/**
 * Stripe API routes: key auth (Bearer or Basic with the key as username), list and retrieve
 * for charges, refunds and events with `expand[]` (./expand.ts) and `include[]=total_count`,
 * Stripe's 404 for unknown URLs.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bindAccount, isControlPath, type FaultState } from '../common/index.ts';
import { renderCharge, type Refund, type StripeEvent } from './data.ts';
import { invalidParam, resourceMissing, sendStripeError, unauthorized } from './errors.ts';
import { ExpandError, expandListItems, expandObject, expandParams, type ExpandKind, type ExpandSource } from './expand.ts';
import { parseListQuery, typeMatches, type ParsedList } from './params.ts';
import { balanceTransactionOf, customerOf } from './related.ts';
import type { ChargeRec, StripeState } from './state.ts';
import type { ListQuery, ListResult, TimeOrderedStore } from './store.ts';

/** What the routes need from the simulator. */
export interface StripeRouteDeps {
  /** The world of the account the request acts as (bound by the auth hook). */
  world: (req: FastifyRequest) => StripeState;
  /** Generate the request's account's activity up to now before answering. */
  catchUp: (req: FastifyRequest) => void;
  /** The account a key belongs to, or undefined when it belongs to none (401). */
  accountOfKey: (key: string) => number | undefined;
  faults: FaultState;
  /** Simulated time (ms), for the status of expanded balance transactions. */
  now: () => number;
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
    const account = key === undefined ? undefined : deps.accountOfKey(key);
    if (account === undefined) return unauthorized(reply, key);
    bindAccount(req, account);
    deps.catchUp(req);
  });
  app.setNotFoundHandler((req, reply) =>
    sendStripeError(reply, 404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${req.method}: ${req.url.split('?')[0]}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    }),
  );

  const source = (req: FastifyRequest): ExpandSource => {
    const w = deps.world(req);
    return {
      charge: (id) => {
        const rec = w.charges.get(id);
        return rec ? renderCharge(rec.charge, rec.poison) : undefined;
      },
      refund: (id) => w.refunds.get(id),
      refundsOf: (chargeId) => w.refunds.all().filter((r) => r.charge === chargeId).reverse(),
      // Balance transactions and customers are not stored: found through their owner.
      balanceTransaction: (id) => {
        const owner = w.charges.all().find((r) => r.charge.balance_transaction === id)?.charge ?? w.refunds.all().find((r) => r.balance_transaction === id);
        return owner ? (balanceTransactionOf(owner, Math.floor(deps.now() / 1000)) as unknown as Record<string, unknown>) : undefined;
      },
      customer: (id) => {
        const charge = w.charges.all().find((r) => r.charge.customer === id)?.charge;
        return charge?.customer ? (customerOf({ ...charge, customer: charge.customer }) as unknown as Record<string, unknown>) : undefined;
      },
    };
  };
  const expandError = (reply: FastifyReply, err: unknown) => {
    if (!(err instanceof ExpandError)) throw err;
    return sendStripeError(reply, 400, { type: 'invalid_request_error', message: err.message });
  };

  /** Answer a list request: render, expand inside `data.`, and count when asked. */
  const listReply = <T>(
    req: FastifyRequest,
    reply: FastifyReply,
    o: { url: string; noun: string; kind: ExpandKind; q: Extract<ParsedList, { ok: true }>; store: TimeOrderedStore<T & { id: string }>; where?: (t: T) => boolean; render: (t: T) => Record<string, unknown> },
  ) => {
    const query: ListQuery<T & { id: string }> = { ...o.q, ...(o.where ? { where: o.where } : {}) };
    const res: ListResult<T> = o.store.list(query);
    if (!res.ok) return resourceMissing(reply, 400, o.noun, res.id, res.missingCursor);
    const data = res.data.map(o.render);
    const paths = expandParams(req.query as Record<string, unknown>);
    try {
      if (paths.length > 0) expandListItems(o.kind, data, paths, source(req));
    } catch (err) {
      return expandError(reply, err);
    }
    const total = o.q.includeTotalCount ? { total_count: o.store.count({ ...(o.q.created ? { created: o.q.created } : {}), ...(o.where ? { where: o.where } : {}) }) } : {};
    return { object: 'list', data, has_more: res.hasMore, ...total, url: o.url };
  };
  /** Answer a retrieve: the object with its `expand[]` applied. */
  const oneReply = (req: FastifyRequest, reply: FastifyReply, kind: ExpandKind, obj: Record<string, unknown>) => {
    const paths = expandParams(req.query as Record<string, unknown>);
    try {
      return paths.length > 0 ? expandObject(kind, obj, paths, source(req)) : obj;
    } catch (err) {
      return expandError(reply, err);
    }
  };
  const staleCursor = (reply: FastifyReply, noun: string, q: { startingAfter?: string; endingBefore?: string }) => {
    if (!deps.faults.get().staleCursor) return undefined;
    const id = q.startingAfter ?? q.endingBefore;
    return id === undefined ? undefined : resourceMissing(reply, 400, noun, id, q.startingAfter ? 'starting_after' : 'ending_before');
  };
  const renderRec = (r: ChargeRec) => renderCharge(r.charge, r.poison);
  const cloneRefund = (r: Refund) => structuredClone(r) as unknown as Record<string, unknown>;
  const asEvent = (e: StripeEvent) => e as unknown as Record<string, unknown>;

  app.get('/v1/charges', async (req, reply) => {
    const q = parseListQuery(req.query as Record<string, unknown>, ['customer', 'payment_intent', 'transfer_group']);
    if (!q.ok) return invalidParam(reply, q.param, q.message, q.code);
    const stale = staleCursor(reply, 'charge', q);
    if (stale) return stale;
    const { customer, payment_intent: pi } = q.filters;
    const where = customer || pi ? (r: ChargeRec) => (!customer || r.charge.customer === customer) && (!pi || r.charge.payment_intent === pi) : undefined;
    return listReply<ChargeRec>(req, reply, { url: '/v1/charges', noun: 'charge', kind: 'charge', q, store: deps.world(req).charges, ...(where ? { where } : {}), render: renderRec });
  });

  app.get<{ Params: { id: string } }>('/v1/charges/:id', async (req, reply) => {
    const rec = deps.world(req).charges.get(req.params.id);
    return rec ? oneReply(req, reply, 'charge', renderRec(rec)) : resourceMissing(reply, 404, 'charge', req.params.id, 'id');
  });

  app.get<{ Params: { id: string } }>('/v1/charges/:id/refunds', async (req, reply) => {
    const rec = deps.world(req).charges.get(req.params.id);
    if (!rec) return resourceMissing(reply, 404, 'charge', req.params.id, 'charge');
    const q = parseListQuery(req.query as Record<string, unknown>, []);
    if (!q.ok) return invalidParam(reply, q.param, q.message, q.code);
    const id = rec.charge.id;
    return listReply<Refund>(req, reply, { url: `/v1/charges/${id}/refunds`, noun: 'refund', kind: 'refund', q, store: deps.world(req).refunds, where: (r) => r.charge === id, render: cloneRefund });
  });

  app.get('/v1/refunds', async (req, reply) => {
    const q = parseListQuery(req.query as Record<string, unknown>, ['charge', 'payment_intent']);
    if (!q.ok) return invalidParam(reply, q.param, q.message, q.code);
    const stale = staleCursor(reply, 'refund', q);
    if (stale) return stale;
    const { charge, payment_intent: pi } = q.filters;
    const where = charge || pi ? (r: Refund) => (!charge || r.charge === charge) && (!pi || r.payment_intent === pi) : undefined;
    return listReply<Refund>(req, reply, { url: '/v1/refunds', noun: 'refund', kind: 'refund', q, store: deps.world(req).refunds, ...(where ? { where } : {}), render: cloneRefund });
  });

  app.get<{ Params: { id: string } }>('/v1/refunds/:id', async (req, reply) => {
    const refund = deps.world(req).refunds.get(req.params.id);
    return refund ? oneReply(req, reply, 'refund', cloneRefund(refund)) : resourceMissing(reply, 404, 'refund', req.params.id, 'id');
  });

  app.get('/v1/events', async (req, reply) => {
    const q = parseListQuery(req.query as Record<string, unknown>, ['type', 'delivery_success'], { types: true });
    if (!q.ok) return invalidParam(reply, q.param, q.message, q.code);
    const stale = staleCursor(reply, 'event', q);
    if (stale) return stale;
    if (q.types && q.types.length > 20) return invalidParam(reply, 'types', 'You may pass at most 20 types.');
    const wanted = q.types ?? (q.filters.type ? [q.filters.type] : undefined);
    const where = wanted ? (e: StripeEvent) => wanted.some((w) => typeMatches(e.type, w)) : undefined;
    // Events are immutable snapshots and nothing in them expands, so they are served as stored.
    return listReply<StripeEvent>(req, reply, { url: '/v1/events', noun: 'event', kind: 'event', q, store: deps.world(req).events, ...(where ? { where } : {}), render: asEvent });
  });

  app.get<{ Params: { id: string } }>('/v1/events/:id', async (req, reply) => {
    const event = deps.world(req).events.get(req.params.id);
    return event ? oneReply(req, reply, 'event', asEvent(event)) : resourceMissing(reply, 404, 'event', req.params.id, 'id');
  });
}
