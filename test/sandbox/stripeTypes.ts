/**
 * The field lists of stripe-node's generated type declarations (node_modules/stripe), read as
 * text: a field without `?` is one the API always sends (null when empty), one with `?` may be
 * absent, and a key in neither is one the real API never sends.
 */
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';

const ROOT = new URL('../../node_modules/stripe/cjs/', import.meta.url);

/** Required and optional field names of one declared interface. */
export interface FieldList {
  required: string[];
  optional: string[];
}

/**
 * Fields of the interface at `path` in `file` (relative to stripe's cjs dir): `['Charge']` is
 * `export interface Charge`, `['Charge', 'PaymentMethodDetails', 'Card']` is interface Card in
 * namespace PaymentMethodDetails in `export declare namespace Charge`.
 */
export function stripeFields(file: string, path: string[]): FieldList {
  const lines = readFileSync(new URL(file, ROOT), 'utf8').split('\n');
  let from = 0;
  let to = lines.length;
  path.forEach((name, depth) => {
    const last = depth === path.length - 1;
    const indent = ' '.repeat(4 * depth);
    const head = depth === 0 ? new RegExp(`^export (declare )?${last ? 'interface' : 'namespace'} ${name}(<[^>]*>)? \\{`) : new RegExp(`^${indent}${last ? 'interface' : 'namespace'} ${name} \\{`);
    const start = lines.findIndex((l, i) => i >= from && i < to && head.test(l));
    assert.ok(start >= 0, `stripe types: ${path.join('.')} not found in ${file}`);
    const end = lines.findIndex((l, i) => i > start && l === `${indent}}`);
    from = start + 1;
    to = end;
  });
  const fieldRe = new RegExp(`^${' '.repeat(4 * path.length)}(\\w+)(\\?)?: `);
  const out: FieldList = { required: [], optional: [] };
  for (const l of lines.slice(from, to)) {
    const m = fieldRe.exec(l);
    if (m) (m[2] ? out.optional : out.required).push(m[1]!);
  }
  return out;
}

/** Assert `obj` has every required field of `fields` and no field outside it. */
export function assertStripeShape(obj: unknown, fields: FieldList, what: string): void {
  assert.ok(obj && typeof obj === 'object' && !Array.isArray(obj), `${what}: not an object`);
  const keys = Object.keys(obj);
  const missing = fields.required.filter((f) => !keys.includes(f));
  const extra = keys.filter((k) => !fields.required.includes(k) && !fields.optional.includes(k));
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, `${what}: fields differ from stripe-node's types`);
}

/** stripe-node's field lists of the objects the simulator serves. */
export const STRIPE_TYPES = {
  charge: () => stripeFields('resources/Charges.d.ts', ['Charge']),
  billingDetails: () => stripeFields('resources/Charges.d.ts', ['Charge', 'BillingDetails']),
  address: () => stripeFields('shared.d.ts', ['Address']),
  outcome: () => stripeFields('resources/Charges.d.ts', ['Charge', 'Outcome']),
  paymentMethodDetails: () => stripeFields('resources/Charges.d.ts', ['Charge', 'PaymentMethodDetails']),
  card: () => stripeFields('resources/Charges.d.ts', ['Charge', 'PaymentMethodDetails', 'Card']),
  cardChecks: () => stripeFields('resources/Charges.d.ts', ['Charge', 'PaymentMethodDetails', 'Card', 'Checks']),
  refund: () => stripeFields('resources/Refunds.d.ts', ['Refund']),
  refundDestination: () => stripeFields('resources/Refunds.d.ts', ['Refund', 'DestinationDetails']),
  refundDestinationCard: () => stripeFields('resources/Refunds.d.ts', ['Refund', 'DestinationDetails', 'Card']),
  event: () => stripeFields('resources/Events.d.ts', ['EventBase']),
  eventData: () => stripeFields('resources/Events.d.ts', ['Event', 'Data']),
  eventRequest: () => stripeFields('resources/Events.d.ts', ['Event', 'Request']),
  balanceTransaction: () => stripeFields('resources/BalanceTransactions.d.ts', ['BalanceTransaction']),
  feeDetail: () => stripeFields('resources/BalanceTransactions.d.ts', ['BalanceTransaction', 'FeeDetail']),
  customer: () => stripeFields('resources/Customers.d.ts', ['Customer']),
  invoiceSettings: () => stripeFields('resources/Customers.d.ts', ['Customer', 'InvoiceSettings']),
  list: () => stripeFields('lib.d.ts', ['ApiList']),
};
