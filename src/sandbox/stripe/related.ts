/**
 * Objects the simulator does not store but can expand into: the balance transaction behind a
 * charge or refund and the customer a charge names, derived (pure) from what is stored, with
 * every field the real API always sends for them.
 */
import { hash32 } from '../common/index.ts';
import type { Address, Charge, Refund } from './data.ts';

/** A Stripe BalanceTransaction object. */
export interface BalanceTransaction {
  id: string;
  object: 'balance_transaction';
  amount: number;
  available_on: number;
  balance_type: 'payments';
  created: number;
  currency: string;
  description: string | null;
  exchange_rate: null;
  fee: number;
  fee_details: Array<{ amount: number; application: null; currency: string; description: string; type: 'stripe_fee' }>;
  net: number;
  reporting_category: 'charge' | 'refund';
  source: string;
  status: 'available' | 'pending';
  type: 'charge' | 'refund';
}

/** A Stripe Customer object. */
export interface Customer {
  id: string;
  object: 'customer';
  address: Address | null;
  balance: number;
  created: number;
  currency: string;
  default_source: null;
  delinquent: boolean;
  description: string | null;
  email: string | null;
  invoice_prefix: string;
  invoice_settings: { custom_fields: null; default_payment_method: null; footer: null; rendering_options: null };
  livemode: false;
  metadata: Record<string, string>;
  name: string | null;
  next_invoice_sequence: number;
  phone: null;
  preferred_locales: string[];
  shipping: null;
  tax_exempt: 'none';
  test_clock: null;
}

const DAY_S = 86_400;

/** The balance transaction `owner` (a settled charge or refund) booked, as of `nowS`. */
export function balanceTransactionOf(owner: Charge | Refund, nowS: number): BalanceTransaction | undefined {
  if (!owner.balance_transaction) return undefined;
  const isCharge = owner.object === 'charge';
  // Card pricing: 2.9 % + 30 minor units on a charge; a refund returns no fee.
  const fee = isCharge ? Math.round(owner.amount * 0.029) + 30 : 0;
  const amount = isCharge ? owner.amount : -owner.amount;
  const availableOn = owner.created + 2 * DAY_S;
  return {
    id: owner.balance_transaction,
    object: 'balance_transaction',
    amount,
    available_on: availableOn,
    balance_type: 'payments',
    created: owner.created,
    currency: owner.currency,
    description: isCharge ? owner.description : 'REFUND FOR CHARGE',
    exchange_rate: null,
    fee,
    fee_details: fee > 0 ? [{ amount: fee, application: null, currency: owner.currency, description: 'Stripe processing fees', type: 'stripe_fee' }] : [],
    net: amount - fee,
    reporting_category: isCharge ? 'charge' : 'refund',
    source: owner.id,
    status: availableOn <= nowS ? 'available' : 'pending',
    type: isCharge ? 'charge' : 'refund',
  };
}

/** The customer of `charge` (the simulator's customers each pay one charge). */
export function customerOf(charge: Charge & { customer: string }): Customer {
  const h = hash32(charge.customer);
  return {
    id: charge.customer,
    object: 'customer',
    address: null,
    balance: 0,
    created: charge.created - (h % (30 * DAY_S)),
    currency: charge.currency,
    default_source: null,
    delinquent: false,
    description: null,
    email: charge.billing_details.email,
    invoice_prefix: (h.toString(16).toUpperCase() + '00000000').slice(0, 8),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: {},
    name: charge.billing_details.name,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}
