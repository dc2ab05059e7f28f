import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { createManualClock, type RunningSimulator } from '../../src/sandbox/common/index.ts';
import { startStripeSimulator, type StripeSimState } from '../../src/sandbox/stripe/index.ts';

const T0 = Date.UTC(2025, 5, 1, 12);

async function failure(p: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await p;
  } catch (err) {
    return err as Stripe.errors.StripeError;
  }
  throw new Error('expected the call to fail');
}

describe('stripe simulator: charges.create and refunds.create through the official client', () => {
  let sim: RunningSimulator<StripeSimState>;
  let stripe: Stripe;
  before(async () => {
    sim = await startStripeSimulator({ clock: createManualClock(T0), faults: { records: 200, poisonRate: 0 }, chargesPerHour: 0, oldRefundsPerHour: 0 });
    stripe = new Stripe('sk_test_sandbox', { host: '127.0.0.1', port: sim.port, protocol: 'http', maxNetworkRetries: 0 });
  });
  after(() => sim.close());

  it('charges.create makes a succeeded charge, lists and retrieves it, and emits charge.succeeded', async () => {
    sim.clock.advance(60_000);
    const charge = await stripe.charges.create({ amount: 2599, currency: 'usd', source: 'tok_visa', description: 'API charge', metadata: { order: 'o-1' } });
    assert.match(charge.id, /^ch_/);
    assert.deepEqual([charge.status, charge.amount, charge.amount_captured, charge.currency, charge.paid, charge.captured], ['succeeded', 2599, 2599, 'usd', true, true]);
    assert.deepEqual(charge.metadata, { order: 'o-1' });
    assert.equal(charge.payment_intent, null);
    assert.equal(charge.created, Math.floor(sim.clock.now() / 1000));
    assert.equal((await stripe.charges.retrieve(charge.id)).amount, 2599);
    assert.equal((await stripe.charges.list({ limit: 1 })).data[0]!.id, charge.id, 'newest first');
    const events = (await stripe.events.list({ limit: 5, type: 'charge.succeeded' })).data;
    const ev = events.find((e) => (e.data.object as Stripe.Charge).id === charge.id)!;
    assert.ok(ev, 'charge.succeeded emitted');
    assert.match(String(ev.request?.id), /^req_/);
    const t = sim.state.truth().charges.find((c) => c.id === charge.id)!;
    assert.deepEqual([t.amount, t.status, t.customer], [2599, 'succeeded', null]);
  });

  it('a declined test token is a 402 card_error; the failed charge exists with charge.failed', async () => {
    const err = await failure(stripe.charges.create({ amount: 1000, currency: 'eur', source: 'tok_chargeDeclinedInsufficientFunds' }));
    assert.equal(err.statusCode, 402);
    assert.equal(err.type, 'StripeCardError');
    assert.deepEqual([err.code, err.decline_code], ['card_declined', 'insufficient_funds']);
    const failed = (await stripe.charges.list({ limit: 1 })).data[0]!;
    assert.deepEqual([failed.status, failed.failure_code], ['failed', 'card_declined']);
    const events = (await stripe.events.list({ limit: 3, type: 'charge.failed' })).data;
    assert.ok(events.some((e) => (e.data.object as Stripe.Charge).id === failed.id));
  });

  it('charge validation: missing amount, too small, unknown parameter', async () => {
    const noAmount = await failure(stripe.charges.create({ currency: 'usd', source: 'tok_visa' }));
    assert.deepEqual([noAmount.statusCode, noAmount.param, noAmount.code], [400, 'amount', 'parameter_missing']);
    assert.equal((await failure(stripe.charges.create({ amount: 10, currency: 'usd', source: 'tok_visa' }))).code, 'amount_too_small');
    const unknown = await failure(stripe.charges.create({ amount: 100, currency: 'usd', source: 'tok_visa', bogus: 1 } as never));
    assert.match(unknown.message, /Received unknown parameter: bogus/);
  });

  it('refunds.create: partial then the rest (no amount), with refund.created and charge.refunded events', async () => {
    const charge = await stripe.charges.create({ amount: 5000, currency: 'usd', customer: 'cus_sandbox1' });
    sim.clock.advance(60_000);
    const part = await stripe.refunds.create({ charge: charge.id, amount: 1200, reason: 'requested_by_customer' });
    assert.deepEqual([part.amount, part.status, part.charge, part.reason], [1200, 'succeeded', charge.id, 'requested_by_customer']);
    let c = await stripe.charges.retrieve(charge.id);
    assert.deepEqual([c.amount_refunded, c.refunded], [1200, false]);
    const rest = await stripe.refunds.create({ charge: charge.id });
    assert.equal(rest.amount, 3800);
    c = await stripe.charges.retrieve(charge.id);
    assert.deepEqual([c.amount_refunded, c.refunded], [5000, true]);
    assert.deepEqual((await stripe.refunds.list({ charge: charge.id })).data.map((r) => r.amount).sort(), [1200, 3800]);
    const events = (await stripe.events.list({ limit: 10, types: ['refund.created', 'charge.refunded'] })).data;
    assert.ok(events.some((e) => e.type === 'refund.created' && (e.data.object as Stripe.Refund).id === rest.id));
    const refunded = events.filter((e) => e.type === 'charge.refunded' && (e.data.object as Stripe.Charge).id === charge.id);
    assert.equal(refunded.length, 2);
    assert.deepEqual(refunded[0]!.data.previous_attributes, { amount_refunded: 1200, refunded: false });
    const t = sim.state.truth();
    assert.deepEqual(t.charges.find((x) => x.id === charge.id)!.amount_refunded, 5000);
    assert.equal(t.refunds.filter((r) => r.charge === charge.id).length, 2);

    const again = await failure(stripe.refunds.create({ charge: charge.id }));
    assert.deepEqual([again.statusCode, again.code], [400, 'charge_already_refunded']);
  });

  it('refund errors: unknown charge is a 404 resource_missing; too large an amount is amount_too_large', async () => {
    const missing = await failure(stripe.refunds.create({ charge: 'ch_doesnotexist' }));
    assert.deepEqual([missing.statusCode, missing.code, missing.param, missing.message], [404, 'resource_missing', 'charge', "No such charge: 'ch_doesnotexist'"]);
    const charge = await stripe.charges.create({ amount: 700, currency: 'usd', source: 'tok_mastercard' });
    const tooMuch = await failure(stripe.refunds.create({ charge: charge.id, amount: 701 }));
    assert.deepEqual([tooMuch.statusCode, tooMuch.code, tooMuch.param], [400, 'amount_too_large', 'amount']);
  });

  it('Idempotency-Key: a retry replays the first answer without a second write; other parameters are refused', async () => {
    const before = sim.state.truth().charges.length;
    const first = await stripe.charges.create({ amount: 4200, currency: 'gbp', source: 'tok_visa' }, { idempotencyKey: 'key-1' });
    const second = await stripe.charges.create({ amount: 4200, currency: 'gbp', source: 'tok_visa' }, { idempotencyKey: 'key-1' });
    assert.equal(second.id, first.id);
    assert.equal(second.lastResponse.headers['idempotent-replayed'], 'true');
    assert.equal(sim.state.truth().charges.length, before + 1);
    const ev = (await stripe.events.list({ limit: 1, type: 'charge.succeeded' })).data[0]!;
    assert.equal(ev.request?.idempotency_key, 'key-1');
    const other = await failure(stripe.charges.create({ amount: 4300, currency: 'gbp', source: 'tok_visa' }, { idempotencyKey: 'key-1' }));
    assert.deepEqual([other.statusCode, other.type], [400, 'StripeIdempotencyError']);

    const r1 = await stripe.refunds.create({ charge: first.id, amount: 100 }, { idempotencyKey: 'rk-1' });
    const r2 = await stripe.refunds.create({ charge: first.id, amount: 100 }, { idempotencyKey: 'rk-1' });
    assert.equal(r2.id, r1.id);
    assert.equal((await stripe.charges.retrieve(first.id)).amount_refunded, 100);
  });

});

describe('stripe simulator: API writes amid generated activity', () => {
  it('charges and refunds made between clock steps keep every list in created order', async () => {
    const sim = await startStripeSimulator({ clock: createManualClock(T0), faults: { records: 100, poisonRate: 0 }, chargesPerHour: 600, oldRefundsPerHour: 60 });
    try {
      const stripe = new Stripe('sk_test_sandbox', { host: '127.0.0.1', port: sim.port, protocol: 'http', maxNetworkRetries: 0 });
      for (let i = 0; i < 20; i++) {
        sim.clock.advance(17_000);
        const c = await stripe.charges.create({ amount: 1000 + i, currency: 'usd', source: 'tok_visa' });
        if (i % 3 === 0) await stripe.refunds.create({ charge: c.id });
      }
      sim.clock.advance(3 * 3_600_000);
      const created = async (list: AsyncIterable<{ created: number }>) => {
        const out: number[] = [];
        for await (const x of list) out.push(x.created);
        return out;
      };
      for (const times of [await created(stripe.charges.list({ limit: 100 })), await created(stripe.refunds.list({ limit: 100 })), await created(stripe.events.list({ limit: 100 }))]) {
        for (let i = 1; i < times.length; i++) assert.ok(times[i - 1]! >= times[i]!, 'newest first');
      }
      assert.ok(sim.state.truth().charges.length > 100 + 20);
    } finally {
      await sim.close();
    }
  });
});
