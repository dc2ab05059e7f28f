/**
 * Stripe wire objects (field names as the real API) and pure, seeded generators for them.
 * Everything here is a function of an Rng, so the same seed yields the same objects.
 */
import { hash32, type Rng } from '../common/index.ts';

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
  | 'charge.refund.updated'
  | 'refund.created'
  | 'refund.updated';

/** A postal address as Stripe sends it (every line present, null when unknown). */
export interface Address {
  city: string | null;
  country: string | null;
  line1: string | null;
  line2: string | null;
  postal_code: string | null;
  state: string | null;
}

/** A Stripe Refund object (always-present fields per the API version in docs/upstreams.md). */
export interface Refund {
  id: string;
  object: 'refund';
  amount: number;
  balance_transaction: string | null;
  charge: string;
  created: number;
  currency: string;
  customer: string | null;
  customer_account: string | null;
  destination_details: { card: { type: 'refund' | 'reversal' | 'pending' }; type: 'card' };
  metadata: Record<string, string>;
  payment_intent: string | null;
  payment_method: string | null;
  reason: 'requested_by_customer' | 'duplicate' | 'fraudulent' | null;
  receipt_number: null;
  source_transfer_reversal: null;
  status: RefundStatus;
  transfer_reversal: null;
}

/** The card block of a charge's `payment_method_details`. */
export interface CardDetails {
  amount_authorized: number | null;
  authorization_code: string | null;
  brand: string;
  checks: { address_line1_check: null; address_postal_code_check: null; cvc_check: 'pass' | null };
  country: string;
  electronic_commerce_indicator: null;
  exp_month: number;
  exp_year: number;
  extended_authorization: { status: 'disabled' };
  fingerprint: string;
  funding: 'credit' | 'debit';
  incremental_authorization: { status: 'unavailable' };
  installments: null;
  last4: string;
  mandate: null;
  multicapture: { status: 'unavailable' };
  network: string;
  network_token: { used: false };
  network_transaction_id: string | null;
  overcapture: { maximum_amount_capturable: number; status: 'unavailable' };
  regulated_status: 'unregulated';
  three_d_secure: null;
  transaction_link_id: null;
  wallet: null;
}

/**
 * A Stripe Charge object: every field the API always sends (null when empty). `refunds` is not
 * one of them: it is sent only when expanded (docs/upstreams.md, Stripe).
 */
export interface Charge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  application: null;
  application_fee: null;
  application_fee_amount: null;
  balance_transaction: string | null;
  billing_details: { address: Address; email: string | null; name: string | null; phone: null; tax_id: null };
  calculated_statement_descriptor: string;
  captured: boolean;
  created: number;
  currency: string;
  /** Null for a charge of a bare card source (POST /v1/charges without a customer). */
  customer: string | null;
  description: string | null;
  disputed: boolean;
  failure_balance_transaction: null;
  failure_code: string | null;
  failure_message: string | null;
  fraud_details: Record<string, never>;
  livemode: false;
  metadata: Record<string, string>;
  on_behalf_of: null;
  outcome: {
    advice_code: null;
    network_advice_code: null;
    network_decline_code: string | null;
    network_status: string;
    reason: string | null;
    risk_level: string;
    risk_score: number;
    seller_message: string;
    type: string;
  };
  paid: boolean;
  /** Null for a charge made with the Charges API (no PaymentIntent behind it). */
  payment_intent: string | null;
  payment_method: string;
  payment_method_details: { card: CardDetails; type: 'card' };
  receipt_email: string | null;
  receipt_number: null;
  receipt_url: string;
  refunded: boolean;
  review: null;
  shipping: null;
  source: null;
  source_transfer: null;
  statement_descriptor: null;
  statement_descriptor_suffix: null;
  status: ChargeStatus;
  transfer_data: null;
  transfer_group: null;
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
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: status === 'succeeded' ? stripeId(rng, 'txn') : null,
    billing_details: { address: NO_ADDRESS, email, name, phone: null, tax_id: null },
    calculated_statement_descriptor: 'BUFFALO SANDBOX',
    captured: status === 'succeeded',
    created: createdS,
    currency,
    customer: `cus_${rng.chars(14)}`,
    description: rng.pick(DESCRIPTIONS),
    disputed: false,
    failure_balance_transaction: null,
    failure_code: decline ? decline[0] : null,
    failure_message: decline ? decline[1] : null,
    fraud_details: {},
    livemode: false,
    metadata: rng.chance(0.3) ? { order_id: `ord_${rng.int(10_000, 99_999)}` } : {},
    on_behalf_of: null,
    outcome: outcomeFor(status, id),
    paid: status === 'succeeded',
    payment_intent: stripeId(rng, 'pi'),
    payment_method: stripeId(rng, 'pm'),
    payment_method_details: { card: cardFor(id, amount, status), type: 'card' },
    receipt_email: rng.chance(0.6) ? email : null,
    receipt_number: null,
    receipt_url: `https://pay.stripe.com/receipts/payment/${id}`,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status,
    transfer_data: null,
    transfer_group: null,
  };
}

/** An address with every line unknown. */
export const NO_ADDRESS: Address = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };
const BRANDS = [['visa', 'credit'], ['visa', 'debit'], ['mastercard', 'credit'], ['amex', 'credit']] as const;

/** The card block of a charge in `status`. */
// Derived from a hash of the charge id, not from the Rng: adding card details must not shift
// the seeded sequence every other generated value depends on.
export function cardFor(chargeId: string, amount: number, status: ChargeStatus): CardDetails {
  const h = hash32(chargeId);
  const [brand, funding] = BRANDS[h % BRANDS.length]!;
  const authorized = status !== 'failed';
  return {
    amount_authorized: authorized ? amount : null,
    authorization_code: authorized ? String(100_000 + (h % 900_000)) : null,
    brand,
    checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: authorized ? 'pass' : null },
    country: 'US',
    electronic_commerce_indicator: null,
    exp_month: 1 + (h % 12),
    exp_year: 2027 + ((h >>> 4) % 6),
    extended_authorization: { status: 'disabled' },
    fingerprint: (h.toString(36) + 'Fp0x9sandbox').slice(0, 16),
    funding,
    incremental_authorization: { status: 'unavailable' },
    installments: null,
    last4: String(1000 + ((h >>> 8) % 9000)),
    mandate: null,
    multicapture: { status: 'unavailable' },
    network: brand,
    network_token: { used: false },
    network_transaction_id: authorized ? String(h).padStart(15, '0') : null,
    overcapture: { maximum_amount_capturable: amount, status: 'unavailable' },
    regulated_status: 'unregulated',
    three_d_secure: null,
    transaction_link_id: null,
    wallet: null,
  };
}

/** Outcome block matching a status (`chargeId` seeds the risk score). */
export function outcomeFor(status: ChargeStatus, chargeId: string): Charge['outcome'] {
  const risk_score = hash32(`risk:${chargeId}`) % 60;
  if (status === 'failed') {
    return { advice_code: null, network_advice_code: null, network_decline_code: '05', network_status: 'declined_by_network', reason: 'generic_decline', risk_level: 'normal', risk_score, seller_message: 'The bank did not return any further details with this decline.', type: 'issuer_declined' };
  }
  return { advice_code: null, network_advice_code: null, network_decline_code: null, network_status: 'approved_by_network', reason: null, risk_level: 'normal', risk_score, seller_message: 'Payment complete.', type: 'authorized' };
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
    customer: charge.customer,
    customer_account: null,
    destination_details: { card: { type: status === 'succeeded' ? 'refund' : 'pending' }, type: 'card' },
    metadata: {},
    payment_intent: charge.payment_intent,
    payment_method: charge.payment_method,
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
