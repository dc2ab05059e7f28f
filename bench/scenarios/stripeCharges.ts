/** Deterministic Stripe Charge payloads shaped like the real API's (the fields a charge carries, ~1.3 kB of JSON). */

const CITIES = ['Austin', 'Berlin', 'Lisbon', 'Toronto', 'Osaka', 'Nairobi', 'Denver', 'Lyon'];
const BRANDS = ['visa', 'mastercard', 'amex'];
const NOW_S = Math.floor(Date.UTC(2026, 0, 1) / 1000);

/** A Stripe Charge payload for index `i`: mostly succeeded, some failed, pending or refunded. */
export function stripeCharge(i: number) {
  const roll = (i * 7919) % 100;
  const status = roll < 90 ? 'succeeded' : roll < 95 ? 'failed' : roll < 97 ? 'pending' : 'succeeded';
  const refunded = roll >= 97;
  const amount = 500 + ((i * 104729) % 250_000);
  const created = NOW_S - ((i * 6151) % (365 * 86_400));
  const id = `ch_3Bench${i.toString(36).padStart(10, '0')}`;
  const customer = `cus_Bench${(i % 20_000).toString(36).padStart(6, '0')}`;
  return {
    id,
    object: 'charge' as const,
    amount,
    amount_captured: status === 'succeeded' ? amount : 0,
    amount_refunded: refunded ? amount : 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: `txn_3Bench${i.toString(36).padStart(10, '0')}`,
    billing_details: {
      address: { city: CITIES[i % CITIES.length], country: 'US', line1: `${1 + (i % 900)} Market Street`, line2: null, postal_code: String(10_000 + (i % 89_999)), state: 'CA' },
      email: `customer${i % 20_000}@example.com`,
      name: `Customer ${i % 20_000}`,
      phone: null,
    },
    calculated_statement_descriptor: 'BUFFALO BENCH',
    captured: status === 'succeeded',
    created,
    currency: i % 11 === 0 ? 'eur' : 'usd',
    customer,
    description: `Subscription invoice ${i}`,
    disputed: false,
    failure_code: status === 'failed' ? 'card_declined' : null,
    failure_message: status === 'failed' ? 'Your card was declined.' : null,
    fraud_details: {},
    livemode: false,
    metadata: { order_id: `ord_${i}`, plan: i % 3 === 0 ? 'pro' : 'team' },
    outcome: { network_status: 'approved_by_network', reason: null, risk_level: 'normal', risk_score: i % 100, seller_message: 'Payment complete.', type: 'authorized' },
    paid: status === 'succeeded',
    payment_intent: `pi_3Bench${i.toString(36).padStart(10, '0')}`,
    payment_method: `pm_1Bench${(i % 20_000).toString(36).padStart(6, '0')}`,
    payment_method_details: {
      card: { brand: BRANDS[i % BRANDS.length], checks: { address_line1_check: 'pass', address_postal_code_check: 'pass', cvc_check: 'pass' }, country: 'US', exp_month: 1 + (i % 12), exp_year: 2030, fingerprint: 'Xt5EWLLDS7FJjR1c', funding: 'credit', last4: String(1000 + (i % 9000)), network: BRANDS[i % BRANDS.length] },
      type: 'card',
    },
    receipt_email: `customer${i % 20_000}@example.com`,
    receipt_number: null,
    receipt_url: `https://pay.stripe.com/receipts/payment/bench_${id}`,
    refunded,
    review: null,
    shipping: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status,
    transfer_data: null,
    transfer_group: null,
  };
}
