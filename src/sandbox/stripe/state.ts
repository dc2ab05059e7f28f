/**
 * The Stripe simulator's world: charges, refunds and events, seeded over the past 90 days and
 * evolving with simulated time (new charges, pending charges resolving, refunds — some of old
 * charges — and refund status changes), each change recorded as a Stripe event with a
 * snapshot of the object at that moment. Deterministic for a seed and a clock sequence.
 */
import { createActivityTicker, createRng, createTimeQueue, type ActivityTicker, type Rng } from '../common/index.ts';
import {
  cardFor,
  makeCharge,
  makeRefund,
  outcomeFor,
  pickPoison,
  renderCharge,
  stripeId,
  STRIPE_API_VERSION,
  type Charge,
  type ChargeStatus,
  type PoisonKind,
  type Refund,
  type StripeEvent,
  type StripeEventType,
} from './data.ts';
import { TimeOrderedStore } from './store.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Stripe keeps events for 30 days. */
export const EVENT_RETENTION_S = 30 * 86_400;

/** A charge plus how it is malformed on the wire, if it is poison. */
export interface ChargeRec {
  charge: Charge;
  poison?: PoisonKind;
}

type Happening =
  | { kind: 'create' }
  | { kind: 'resolve_charge'; chargeId: string; to: 'succeeded' | 'failed' }
  | { kind: 'refund'; chargeId: string }
  | { kind: 'resolve_refund'; refundId: string; to: 'succeeded' | 'failed' };

/** Options of `createStripeState`. */
export interface StripeStateOptions {
  seed: number;
  records: number;
  /** Poison share, read at each new charge (so runtime changes apply to new charges). */
  poisonRate: () => number;
  /** Simulated time at creation (ms); seeded data lies in the 90 days before it. */
  now: number;
  /** New charges per simulated hour. Default 60. */
  chargesPerHour?: number;
  /** Refunds of random older charges per simulated hour (on top of scheduled ones). Default 3. */
  oldRefundsPerHour?: number;
  /** Called for every event created after seeding (webhook delivery). */
  onEvent?: (event: StripeEvent) => void;
  /** Endpoints that will receive an event (for `pending_webhooks`). */
  pendingWebhooks?: () => number;
  /**
   * Default true. False: a charge's refunds emit no `refund.*` events (status changes come as
   * `charge.refund.updated`), as for an account whose default API version predates 2024-10-28.
   */
  chargeRefundEvents?: boolean;
}

/** The Stripe world. */
export interface StripeState {
  charges: TimeOrderedStore<ChargeRec & { id: string }>;
  refunds: TimeOrderedStore<Refund>;
  events: TimeOrderedStore<StripeEvent>;
  /** Generate everything that happened up to `nowMs`; returns counts of what was created. */
  catchUp(nowMs: number): { charges: number; refunds: number; events: number };
  /** Store a charge made through `POST /v1/charges` at `atMs` and emit its event. */
  addCharge(charge: Charge, atMs: number, request: ApiRequest): ChargeRec;
  /** Refund `amount` of a succeeded charge through `POST /v1/refunds` at `atMs`, with its events. */
  refundByApi(rec: ChargeRec, amount: number, fields: Pick<Refund, 'reason' | 'metadata'>, atMs: number, request: ApiRequest): Refund;
  /** The generator API-made objects draw their ids from. */
  writeRng: Rng;
  /** Ground truth (every record held, ids and amounts). */
  truth(): StripeTruth;
}

/** The request an event came from: `Request-Id` and `Idempotency-Key` for API writes, nulls otherwise. */
export interface ApiRequest {
  id: string | null;
  idempotency_key: string | null;
}

const NO_REQUEST: ApiRequest = { id: null, idempotency_key: null };

/** Ground truth of the Stripe simulator. */
export interface StripeTruth {
  charges: Array<{ id: string; amount: number; currency: string; status: ChargeStatus; amount_refunded: number; refunded: boolean; created: number; customer: string | null; poison: PoisonKind | null }>;
  refunds: Array<{ id: string; charge: string; amount: number; currency: string; status: string; created: number }>;
  /** Events still retained (30 days), oldest first. */
  events: Array<{ id: string; type: StripeEventType; created: number; objectId: string }>;
  eventRetentionDays: number;
}

/** Seed and return the Stripe world. */
export function createStripeState(opts: StripeStateOptions): StripeState {
  const rng = createRng(opts.seed).fork('stripe');
  const queue = createTimeQueue<Happening>();
  const charges = new TimeOrderedStore<ChargeRec & { id: string }>();
  const refunds = new TimeOrderedStore<Refund>();
  const events = new TimeOrderedStore<StripeEvent>();
  const chargeList: Array<ChargeRec & { id: string }> = [];
  let live = false;
  const refundEvents = opts.chargeRefundEvents ?? true;
  let counts = { charges: 0, refunds: 0, events: 0 };
  // API writes draw from their own generator, so they leave the generated activity unchanged.
  const writeRng = rng.fork('api-writes');
  let writtenAtMs = -Infinity;

  const emit = (type: StripeEventType, atMs: number, snapshot: () => unknown, previous?: Record<string, unknown>, request: ApiRequest = NO_REQUEST) => {
    // Seeded history older than the retention window is already gone: skip building it.
    if (!live && atMs < opts.now - EVENT_RETENTION_S * 1000) return;
    const event: StripeEvent = {
      id: stripeId(rng, 'evt'),
      object: 'event',
      api_version: STRIPE_API_VERSION,
      created: Math.floor(atMs / 1000),
      data: previous ? { object: snapshot(), previous_attributes: previous } : { object: snapshot() },
      livemode: false,
      pending_webhooks: live ? (opts.pendingWebhooks?.() ?? 0) : 0,
      request: { ...request },
      type,
    };
    events.append(event, event.created);
    counts.events++;
    if (live) opts.onEvent?.(event);
  };
  const snap = (rec: ChargeRec) => renderCharge(rec.charge, rec.poison);

  const maybeScheduleRefund = (rec: ChargeRec, atMs: number) => {
    if (!rec.poison && rng.chance(0.08)) queue.push(atMs + rng.int(HOUR, 30 * DAY), { kind: 'refund', chargeId: rec.charge.id });
  };

  const createCharge = (atMs: number) => {
    const poison = rng.chance(opts.poisonRate()) ? pickPoison(rng) : undefined;
    const status: ChargeStatus = poison ? 'succeeded' : rng.weighted([['succeeded', 88], ['failed', 7], ['pending', 5]] as const);
    const charge = makeCharge(rng, Math.floor(atMs / 1000), status);
    const rec = { id: charge.id, charge, ...(poison ? { poison } : {}) };
    charges.append(rec, charge.created);
    chargeList.push(rec);
    counts.charges++;
    emit(`charge.${status}`, atMs, () => snap(rec));
    if (status === 'pending') queue.push(atMs + rng.int(HOUR, 3 * DAY), { kind: 'resolve_charge', chargeId: charge.id, to: rng.chance(0.85) ? 'succeeded' : 'failed' });
    if (status === 'succeeded') maybeScheduleRefund(rec, atMs);
  };

  const resolveCharge = (atMs: number, chargeId: string, to: 'succeeded' | 'failed') => {
    const rec = charges.get(chargeId);
    if (!rec || rec.charge.status !== 'pending') return;
    const c = rec.charge;
    const previous = { status: c.status, paid: c.paid, captured: c.captured, amount_captured: c.amount_captured };
    c.status = to;
    c.outcome = outcomeFor(to, c.id);
    c.payment_method_details = { card: cardFor(c.id, c.amount, to), type: 'card' };
    if (to === 'succeeded') {
      Object.assign(c, { paid: true, captured: true, amount_captured: c.amount, balance_transaction: stripeId(rng, 'txn') });
    } else {
      Object.assign(c, { failure_code: 'card_declined', failure_message: 'Your card was declined.' });
    }
    emit(`charge.${to}`, atMs, () => snap(rec), previous);
    if (to === 'succeeded') maybeScheduleRefund(rec, atMs);
  };

  const refundCharge = (atMs: number, rec: ChargeRec) => {
    const c = rec.charge;
    const remaining = c.amount - c.amount_refunded;
    if (rec.poison || c.status !== 'succeeded' || remaining <= 0) return false;
    const amount = remaining > 1 && rng.chance(0.3) ? rng.int(1, remaining - 1) : remaining;
    const status = rng.chance(0.15) ? 'pending' : 'succeeded';
    const refund = makeRefund(rng, c, amount, Math.floor(atMs / 1000), status);
    refunds.append(refund, refund.created);
    counts.refunds++;
    const previous = { amount_refunded: c.amount_refunded, refunded: c.refunded };
    c.amount_refunded += amount;
    c.refunded = c.amount_refunded === c.amount;
    if (refundEvents) emit('refund.created', atMs, () => structuredClone(refund));
    emit('charge.refunded', atMs, () => snap(rec), previous);
    if (status === 'pending') queue.push(atMs + rng.int(10 * MIN, 2 * DAY), { kind: 'resolve_refund', refundId: refund.id, to: rng.chance(0.9) ? 'succeeded' : 'failed' });
    return true;
  };

  const resolveRefund = (atMs: number, refundId: string, to: 'succeeded' | 'failed') => {
    const refund = refunds.get(refundId);
    if (!refund || refund.status !== 'pending') return;
    refund.status = to;
    if (to === 'succeeded') {
      refund.balance_transaction = stripeId(rng, 'txn');
      refund.destination_details = { card: { type: 'refund' }, type: 'card' };
    }
    emit(refundEvents ? 'refund.updated' : 'charge.refund.updated', atMs, () => structuredClone(refund), { status: 'pending' });
    const rec = charges.get(refund.charge);
    if (to === 'failed' && rec) {
      // A failed refund gives the money back to the charge; Stripe reports it as charge.updated.
      const previous = { amount_refunded: rec.charge.amount_refunded, refunded: rec.charge.refunded };
      rec.charge.amount_refunded -= refund.amount;
      rec.charge.refunded = false;
      emit('charge.updated', atMs, () => snap(rec), previous);
    }
  };

  const drain = (untilMs: number) => {
    for (let h = queue.popDue(untilMs); h; h = queue.popDue(untilMs)) {
      const { item } = h;
      // Objects are appended in created order, so nothing generated may predate an API write.
      const at = Math.max(h.at, writtenAtMs);
      if (item.kind === 'create') createCharge(at);
      else if (item.kind === 'resolve_charge') resolveCharge(at, item.chargeId, item.to);
      else if (item.kind === 'refund') {
        const rec = charges.get(item.chargeId);
        if (rec) refundCharge(at, rec);
      } else resolveRefund(at, item.refundId, item.to);
    }
  };

  // Seed: N charges spread over the 90 days before `now`, with their history replayed in order.
  const t0 = opts.now;
  for (let i = 0; i < opts.records; i++) queue.push(t0 - rng.int(1, 90 * DAY), { kind: 'create' });
  drain(t0);
  events.expireBefore(Math.floor(t0 / 1000) - EVENT_RETENTION_S);
  live = true;

  const perStepCharges = (opts.chargesPerHour ?? 60) / 60;
  const perStepOldRefunds = (opts.oldRefundsPerHour ?? 3) / 60;
  const ticker: ActivityTicker = createActivityTicker(t0, MIN, (at) => {
    const n = Math.floor(perStepCharges) + (rng.chance(perStepCharges % 1) ? 1 : 0);
    for (let i = 0; i < n; i++) queue.push(at - rng.int(0, MIN - 1), { kind: 'create' });
    if (rng.chance(perStepOldRefunds) && chargeList.length > 0) {
      for (let tries = 0; tries < 5; tries++) {
        const { charge: c, poison } = rng.pick(chargeList);
        if (!poison && c.status === 'succeeded' && c.amount_refunded < c.amount && c.created * 1000 >= at - 90 * DAY) {
          queue.push(at - rng.int(0, MIN - 1), { kind: 'refund', chargeId: c.id });
          break;
        }
      }
    }
    drain(at);
  });

  return {
    charges,
    refunds,
    events,
    catchUp(nowMs) {
      counts = { charges: 0, refunds: 0, events: 0 };
      ticker.catchUp(nowMs);
      events.expireBefore(Math.floor(nowMs / 1000) - EVENT_RETENTION_S);
      return counts;
    },
    addCharge(charge, atMs, request) {
      writtenAtMs = Math.max(writtenAtMs, atMs);
      const rec = { id: charge.id, charge };
      charges.append(rec, charge.created);
      chargeList.push(rec);
      counts.charges++;
      emit(charge.status === 'failed' ? 'charge.failed' : 'charge.succeeded', atMs, () => snap(rec), undefined, request);
      return rec;
    },
    refundByApi(rec, amount, fields, atMs, request) {
      writtenAtMs = Math.max(writtenAtMs, atMs);
      const c = rec.charge;
      const refund = { ...makeRefund(writeRng, c, amount, Math.floor(atMs / 1000), 'succeeded'), ...fields };
      refunds.append(refund, refund.created);
      counts.refunds++;
      const previous = { amount_refunded: c.amount_refunded, refunded: c.refunded };
      c.amount_refunded += amount;
      c.refunded = c.amount_refunded === c.amount;
      if (refundEvents) emit('refund.created', atMs, () => structuredClone(refund), undefined, request);
      emit('charge.refunded', atMs, () => snap(rec), previous, request);
      return refund;
    },
    writeRng,
    truth: () => ({
      charges: charges.all().map(({ charge: c, poison }) => ({
        id: c.id,
        amount: c.amount,
        currency: c.currency,
        status: c.status,
        amount_refunded: c.amount_refunded,
        refunded: c.refunded,
        created: c.created,
        customer: c.customer,
        poison: poison ?? null,
      })),
      refunds: refunds.all().map((r) => ({ id: r.id, charge: r.charge, amount: r.amount, currency: r.currency, status: r.status, created: r.created })),
      events: events.all().map((e) => ({ id: e.id, type: e.type, created: e.created, objectId: (e.data.object as { id: string }).id })),
      eventRetentionDays: 30,
    }),
  };
}
