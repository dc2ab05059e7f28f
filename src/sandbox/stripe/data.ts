/**
 * Stripe wire objects (field names as the real API) and pure, seeded generators for them.
 * Everything here is a function of an Rng, so the same seed yields the same objects.
 */
import type { Rng } from '../common/index.ts';

/** API version reported on events (the one the installed `stripe` package pins). */
export const STRIPE_API_VERSION = '2026-10-28.endive';

/** Charge statuses Stripe reports. */
export type ChargeStatus = 'succeeded' | 'pending' | 'failed';
/** Refund statuses Stripe reports. */
export type RefundStatus = 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled';
/** Ways a poison charge is malformed. */
export type PoisonKind = 'amount_not_integer' | 'currency_missing' | 'created_not_integer' | 'status_missing';
/** Event types this simulator emits. */
export type StripeEventType =
  | 'charge.pending'
  | 'charge.succeeded'
  | 'charge.failed'
  | 'charge.refunded'
  | 'charge.updated'
  | 'refund.created'
  | 'refund.updated';

/** A Stripe Refund object. */
export interface Refund {
  id: string;
  object: 'refund';
  amount: number;
  balance_transaction: string | null;
  charge: string;
  created: number;
  currency: string;
  destination_details: null;
  metadata: Record<string, string>;
  payment_intent: string;
  reason: 'requested_by_customer' | 'duplicate' | 'fraudulent' | null;
  receipt_number: null;
  source_transfer_reversal: null;
  status: RefundStatus;
  transfer_reversal: null;
}

/** A Stripe Charge object (the fields a connector reads, plus the usual companions). */
export interface Charge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  application_fee_amount: null;
  balance_transaction: string | null;
  billing_details: { email: string | null; name: string | null };
  calculated_statement_descriptor: string;
  captured: boolean;
  created: number;
  currency: string;
  customer: string;
  description: string | null;
  disputed: boolean;
  failure_code: string | null;
  failure_message: string | null;
  livemode: false;
  metadata: Record<string, string>;
  outcome: { network_status: string; reason: string | null; risk_level: string; seller_message: string; type: string };
  paid: boolean;
  payment_intent: string;
  payment_method: string;
  receipt_email: string | null;
  refunded: boolean;
  refunds: { object: 'list'; data: Refund[]; has_more: false; total_count: number; url: string };
  status: ChargeStatus;
}

/** A Stripe Event object. */
export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: StripeEventType;
}

/** A Stripe-style id: prefix + 24 base62 characters. */
export function stripeId(rng: Rng, prefix: string): string {
  return `${prefix}_${rng.chars(24)}`;
}

const CURRENCIES: ReadonlyArray<readonly [string, number]> = [
  ['usd', 80],
  ['eur', 12],
  ['gbp', 8],
];
const DESCRIPTIONS = ['Pro plan', 'Team plan', 'Consulting hours', 'Annual license', 'Add-on seats', 'Setup fee', null] as const;
const NAMES = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra', 'Barbara Liskov', 'Ken Thompson', 'Radia Perlman', 'Donald Knuth'];
const DECLINES = [
  ['card_declined', 'Your card was declined.'],
  ['expired_card', 'Your card has expired.'],
  ['insufficient_funds', 'Your card has insufficient funds.'],
] as const;

/** A new charge created at `createdS` (unix seconds) in its initial status. */
export function makeCharge(rng: Rng, createdS: number, status: ChargeStatus): Charge {
  const id = stripeId(rng, 'ch');
  const currency = rng.weighted(CURRENCIES);
  // Mostly everyday amounts, a long tail of large ones; always integer minor units.
  const amount = rng.chance(0.05) ? rng.int(50_000, 2_500_000) : rng.int(500, 50_000);
  const name = rng.pick(NAMES);
  const email = `${name.split(' ')[0]!.toLowerCase()}.${rng.chars(4, 'abcdefghijklmnopqrstuvwxyz')}@example.com`;
  const decline = status === 'failed' ? rng.pick(DECLINES) : undefined;
  return {
    id,
    object: 'charge',
    amount,
    amount_captured: status === 'succeeded' ? amount : 0,
    amount_refunded: 0,
    application_fee_amount: null,
    balance_transaction: status === 'succeeded' ? stripeId(rng, 'txn') : null,
    billing_details: { email, name },
    calculated_statement_descriptor: 'BUFFALO SANDBOX',
    captured: status === 'succeeded',
    created: createdS,
    currency,
    customer: `cus_${rng.chars(14)}`,
    description: rng.pick(DESCRIPTIONS),
    disputed: false,
    failure_code: decline ? decline[0] : null,
    failure_message: decline ? decline[1] : null,
    livemode: false,
    metadata: rng.chance(0.3) ? { order_id: `ord_${rng.int(10_000, 99_999)}` } : {},
    outcome: outcomeFor(status),
    paid: status === 'succeeded',
    payment_intent: stripeId(rng, 'pi'),
    payment_method: stripeId(rng, 'pm'),
    receipt_email: rng.chance(0.6) ? email : null,
    refunded: false,
    refunds: { object: 'list', data: [], has_more: false, total_count: 0, url: `/v1/charges/${id}/refunds` },
    status,
  };
}

/** Outcome block matching a status. */
export function outcomeFor(status: ChargeStatus): Charge['outcome'] {
  if (status === 'failed') {
    return { network_status: 'declined_by_network', reason: 'generic_decline', risk_level: 'normal', seller_message: 'The bank did not return any further details with this decline.', type: 'issuer_declined' };
  }
  return { network_status: 'approved_by_network', reason: null, risk_level: 'normal', seller_message: 'Payment complete.', type: 'authorized' };
}

/** A refund of `amount` on `charge` created at `createdS`. */
export function makeRefund(rng: Rng, charge: Charge, amount: number, createdS: number, status: RefundStatus): Refund {
  return {
    id: stripeId(rng, 're'),
    object: 'refund',
    amount,
    balance_transaction: status === 'succeeded' ? stripeId(rng, 'txn') : null,
    charge: charge.id,
    created: createdS,
    currency: charge.currency,
    destination_details: null,
    metadata: {},
    payment_intent: charge.payment_intent,
    reason: rng.weighted([
      ['requested_by_customer', 70],
      ['duplicate', 15],
      ['fraudulent', 5],
      [null, 10],
    ] as const),
    receipt_number: null,
    source_transfer_reversal: null,
    status,
    transfer_reversal: null,
  };
}

/** A poison kind chosen by the Rng. */
export function pickPoison(rng: Rng): PoisonKind {
  return rng.pick(['amount_not_integer', 'currency_missing', 'created_not_integer', 'status_missing'] as const);
}

/** The wire form of a (deep-copied) charge with its poison applied. */
export function renderCharge(charge: Charge, poison: PoisonKind | undefined): Record<string, unknown> {
  const out = structuredClone(charge) as unknown as Record<string, unknown>;
  switch (poison) {
    case 'amount_not_integer':
      out.amount = 'abc';
      break;
    case 'currency_missing':
      delete out.currency;
      break;
    case 'created_not_integer':
      out.created = 'yesterday';
      break;
    case 'status_missing':
      delete out.status;
      break;
    default:
      break;
  }
  return out;
}
