/**
 * Validation of the form-encoded bodies of `POST /v1/charges` and `POST /v1/refunds` with Stripe's
 * answers: unknown parameters, missing required ones, non-integers and out-of-range amounts are
 * 400 `invalid_request_error`s naming the parameter. Parameters Stripe accepts but the simulator
 * does not model (shipping, radar options, …) are accepted and have no effect.
 */

/** A validated charge request. */
export interface ChargeParams {
  amount: number;
  currency: string;
  customer: string | null;
  source: string | null;
  description: string | null;
  receiptEmail: string | null;
  metadata: Record<string, string>;
}

/** A validated refund request (the charge still to be looked up). */
export interface RefundParams {
  charge: string | null;
  paymentIntent: string | null;
  amount: number | null;
  reason: 'duplicate' | 'fraudulent' | 'requested_by_customer' | null;
  metadata: Record<string, string>;
}

/** A 400 to answer with. */
export interface ParamError {
  param: string;
  message: string;
  code?: string;
}

type Form = Record<string, string | string[] | undefined>;

const CHARGE_PARAMS = new Set([
  'amount', 'currency', 'customer', 'source', 'description', 'receipt_email', 'metadata', 'expand', 'capture', 'shipping', 'radar_options',
  'statement_descriptor', 'statement_descriptor_suffix', 'transfer_group', 'on_behalf_of', 'application_fee_amount', 'transfer_data',
]);
const REFUND_PARAMS = new Set(['charge', 'payment_intent', 'amount', 'reason', 'metadata', 'expand', 'refund_application_fee', 'reverse_transfer', 'instructions_email']);
const REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;
/** Smallest charge Stripe accepts, in minor units (0.50 of USD, EUR and GBP alike). */
export const MIN_CHARGE_AMOUNT = 50;

function one(form: Form, key: string): string | undefined {
  const v = form[key];
  return Array.isArray(v) ? v[0] : v;
}

function unknownParam(form: Form, allowed: Set<string>): ParamError | undefined {
  const bad = Object.keys(form).find((k) => !allowed.has(k.replace(/\[.*$/, '')));
  return bad === undefined ? undefined : { param: bad, message: `Received unknown parameter: ${bad}` };
}

function metadataOf(form: Form): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(form)) {
    const m = /^metadata\[(.+)\]$/.exec(k);
    if (m?.[1] && v !== undefined && v !== '') out[m[1]] = Array.isArray(v) ? String(v[0]) : v;
  }
  return out;
}

function integer(form: Form, key: string): number | ParamError | undefined {
  const raw = one(form, key);
  if (raw === undefined || raw === '') return undefined;
  return /^-?\d{1,15}$/.test(raw.trim()) ? Number(raw) : { param: key, message: `Invalid integer: ${raw}`, code: 'parameter_invalid_integer' };
}

const missing = (param: string): ParamError => ({ param, message: `Missing required param: ${param}.`, code: 'parameter_missing' });

/** Parse and validate a `POST /v1/charges` body. */
export function parseChargeParams(form: Form): { ok: true; params: ChargeParams } | { ok: false; error: ParamError } {
  const unknown = unknownParam(form, CHARGE_PARAMS);
  if (unknown) return { ok: false, error: unknown };
  const amount = integer(form, 'amount');
  if (amount === undefined) return { ok: false, error: missing('amount') };
  if (typeof amount !== 'number') return { ok: false, error: amount };
  const currency = one(form, 'currency')?.toLowerCase();
  if (!currency) return { ok: false, error: missing('currency') };
  if (!/^[a-z]{3}$/.test(currency)) return { ok: false, error: { param: 'currency', message: `Invalid currency: ${currency}.` } };
  if (amount < MIN_CHARGE_AMOUNT) {
    return { ok: false, error: { param: 'amount', message: `Amount must be at least 0.50 ${currency}`, code: 'amount_too_small' } };
  }
  const capture = one(form, 'capture');
  if (capture !== undefined && capture !== 'true') {
    // A simulator limit, not a Stripe answer: uncaptured charges (authorize now, capture later) are not modelled.
    return { ok: false, error: { param: 'capture', message: 'The Buffalo simulator does not model uncaptured charges (capture=false).' } };
  }
  const source = one(form, 'source') || null;
  const customer = one(form, 'customer') || null;
  if (!source && !customer) return { ok: false, error: { param: 'source', message: 'Must provide source or customer.', code: 'parameter_missing' } };
  return {
    ok: true,
    params: { amount, currency, customer, source, description: one(form, 'description') || null, receiptEmail: one(form, 'receipt_email') || null, metadata: metadataOf(form) },
  };
}

/** Parse and validate a `POST /v1/refunds` body. */
export function parseRefundParams(form: Form): { ok: true; params: RefundParams } | { ok: false; error: ParamError } {
  const unknown = unknownParam(form, REFUND_PARAMS);
  if (unknown) return { ok: false, error: unknown };
  const charge = one(form, 'charge') || null;
  const paymentIntent = one(form, 'payment_intent') || null;
  if (!charge && !paymentIntent) {
    return { ok: false, error: { param: 'charge', message: 'One of the following params should be provided for this request: payment_intent or charge.' } };
  }
  const amount = integer(form, 'amount');
  if (amount !== undefined && typeof amount !== 'number') return { ok: false, error: amount };
  if (amount !== undefined && amount < 1) return { ok: false, error: { param: 'amount', message: 'This value must be greater than or equal to 1.' } };
  const reason = one(form, 'reason') || null;
  if (reason !== null && !(REASONS as readonly string[]).includes(reason)) {
    return { ok: false, error: { param: 'reason', message: `Invalid reason: must be one of ${REASONS.join(', ')}` } };
  }
  return { ok: true, params: { charge, paymentIntent, amount: amount ?? null, reason: reason as RefundParams['reason'], metadata: metadataOf(form) } };
}
