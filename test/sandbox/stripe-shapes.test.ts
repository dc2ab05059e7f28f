import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { createManualClock, type RunningSimulator } from '../../src/sandbox/common/index.ts';
import { startStripeSimulator, type StripeSimState } from '../../src/sandbox/stripe/index.ts';
import { assertStripeShape, STRIPE_TYPES as T } from './stripeTypes.ts';

const T0 = Date.UTC(2025, 5, 1, 12);
type Obj = Record<string, unknown>;

function checkCharge(c: Obj, what: string): void {
  assertStripeShape(c, T.charge(), what);
  assertStripeShape(c.billing_details, T.billingDetails(), `${what}.billing_details`);
  assertStripeShape((c.billing_details as Obj).address, T.address(), `${what}.billing_details.address`);
  assertStripeShape(c.outcome, T.outcome(), `${what}.outcome`);
  assertStripeShape(c.payment_method_details, T.paymentMethodDetails(), `${what}.payment_method_details`);
  const card = (c.payment_method_details as Obj).card as Obj;
  assertStripeShape(card, T.card(), `${what}.payment_method_details.card`);
  assertStripeShape(card.checks, T.cardChecks(), `${what}.payment_method_details.card.checks`);
}

function checkRefund(r: Obj, what: string): void {
  assertStripeShape(r, T.refund(), what);
  assertStripeShape(r.destination_details, T.refundDestination(), `${what}.destination_details`);
  assertStripeShape((r.destination_details as Obj).card, T.refundDestinationCard(), `${what}.destination_details.card`);
}

function checkEvent(e: Obj, what: string): void {
  assertStripeShape(e, T.event(), what);
  assertStripeShape(e.data, T.eventData(), `${what}.data`);
  assertStripeShape(e.request, T.eventRequest(), `${what}.request`);
  const obj = (e.data as Obj).object as Obj;
  if (obj.object === 'charge') checkCharge(obj, `${what}.data.object`);
  else checkRefund(obj, `${what}.data.object`);
}

async function get(sim: RunningSimulator<StripeSimState>, path: string): Promise<{ status: number; body: Obj }> {
  const res = await fetch(`${sim.url}${path}`, { headers: { authorization: 'Bearer sk_test_shapes' } });
  return { status: res.status, body: (await res.json()) as Obj };
}

describe('stripe simulator: object shapes match stripe-node types', () => {
  let sim: RunningSimulator<StripeSimState>;
  let stripe: Stripe;
  before(async () => {
    sim = await startStripeSimulator({ clock: createManualClock(T0), faults: { records: 600, poisonRate: 0 } });
    stripe = new Stripe('sk_test_shapes', { host: '127.0.0.1', port: sim.port, protocol: 'http', maxNetworkRetries: 0 });
  });
  after(() => sim.close());

  it('charges of every status carry every always-present field, no others, and no embedded refunds', async () => {
    const page = await get(sim, '/v1/charges?limit=100');
    const refundedIds = [...new Set(sim.state.truth().refunds.map((r) => r.charge))].slice(0, 20);
    const charges = [...(page.body.data as Obj[]), ...(await Promise.all(refundedIds.map(async (id) => (await get(sim, `/v1/charges/${id}`)).body)))];
    assert.deepEqual(new Set(charges.map((c) => c.status)), new Set(['succeeded', 'failed', 'pending']));
    assert.ok(charges.some((c) => (c.amount_refunded as number) > 0), 'refunded charges are among them');
    for (const c of charges) {
      checkCharge(c, `charge ${String(c.id)} (${String(c.status)})`);
      assert.equal('refunds' in c, false, 'refunds are sent only when expanded');
    }
    const one = await get(sim, `/v1/charges/${String(charges[0]!.id)}`);
    checkCharge(one.body, 'retrieved charge');
    assertStripeShape(page.body, T.list(), 'charge list');
  });

  it('refunds, pending and settled, carry every always-present field and no others', async () => {
    const refunds = (await get(sim, '/v1/refunds?limit=100')).body.data as Obj[];
    assert.ok(refunds.some((r) => r.status === 'succeeded'));
    for (const r of refunds) checkRefund(r, `refund ${String(r.id)} (${String(r.status)})`);
  });

  it('events and their snapshots carry the same shapes; charge.refunded carries no refunds list', async () => {
    const events: Obj[] = [];
    for await (const e of stripe.events.list({ limit: 100 })) events.push(e as unknown as Obj);
    assert.ok(new Set(events.map((e) => e.type)).has('charge.refunded'));
    for (const e of events) checkEvent(e, `event ${String(e.type)}`);
    const refunded = events.find((e) => e.type === 'charge.refunded')!;
    assert.equal('refunds' in ((refunded.data as Obj).object as Obj), false);
  });

  it('total_count only with include[]=total_count, never on an embedded list', async () => {
    const plain = await get(sim, '/v1/charges?limit=3');
    assert.equal('total_count' in plain.body, false);
    const counted = await get(sim, '/v1/charges?limit=3&include[]=total_count');
    assert.equal(counted.body.total_count, sim.state.truth().charges.length);
    const refundedId = sim.state.truth().refunds[0]!.charge;
    const expanded = await get(sim, `/v1/charges/${refundedId}?expand[]=refunds&include[]=total_count`);
    assert.equal(expanded.status, 200);
    assertStripeShape(expanded.body.refunds, T.list(), 'embedded refunds list');
  });
});

describe('stripe simulator: expand[]', () => {
  let sim: RunningSimulator<StripeSimState>;
  let stripe: Stripe;
  before(async () => {
    sim = await startStripeSimulator({ clock: createManualClock(T0), faults: { records: 600, poisonRate: 0 } });
    stripe = new Stripe('sk_test_shapes', { host: '127.0.0.1', port: sim.port, protocol: 'http', maxNetworkRetries: 0 });
  });
  after(() => sim.close());

  it('refunds, balance_transaction and customer expand on a charge (official client)', async () => {
    const truth = sim.state.truth();
    const refund = truth.refunds[truth.refunds.length - 1]!;
    const c = await stripe.charges.retrieve(refund.charge, { expand: ['refunds', 'balance_transaction', 'customer'] });
    const refunds = c.refunds!;
    assertStripeShape(refunds, T.list(), 'charge.refunds');
    assert.deepEqual(refunds.data.map((r) => r.id).sort(), truth.refunds.filter((r) => r.charge === c.id).map((r) => r.id).sort());
    for (const r of refunds.data) checkRefund(r as unknown as Obj, 'embedded refund');
    assert.equal(refunds.url, `/v1/charges/${c.id}/refunds`);
    const txn = c.balance_transaction as Stripe.BalanceTransaction;
    assertStripeShape(txn, T.balanceTransaction(), 'balance_transaction');
    for (const f of txn.fee_details) assertStripeShape(f, T.feeDetail(), 'fee_detail');
    assert.equal(txn.source, c.id);
    assert.equal(txn.net, txn.amount - txn.fee);
    const cus = c.customer as Stripe.Customer;
    assertStripeShape(cus, T.customer(), 'customer');
    assertStripeShape(cus.invoice_settings, T.invoiceSettings(), 'customer.invoice_settings');
    assert.equal(cus.email, c.billing_details.email);
  });

  it('lists expand inside data.; nested paths walk through expanded objects', async () => {
    const page = await stripe.charges.list({ limit: 20, expand: ['data.refunds', 'data.balance_transaction'] });
    for (const c of page.data) {
      assert.equal(c.refunds?.object, 'list');
      if (c.balance_transaction !== null) assert.equal((c.balance_transaction as Stripe.BalanceTransaction).object, 'balance_transaction');
    }
    const refundId = sim.state.truth().refunds[0]!.id;
    const r = await stripe.refunds.retrieve(refundId, { expand: ['charge.customer', 'charge.balance_transaction'] });
    const charge = r.charge as Stripe.Charge;
    checkCharge({ ...charge, customer: charge.customer && (charge.customer as Stripe.Customer).id, balance_transaction: null } as unknown as Obj, 'refund.charge');
    assert.equal((charge.customer as Stripe.Customer).object, 'customer');
    const pending = sim.state.truth().charges.find((x) => x.status !== 'succeeded')!;
    assert.equal((await stripe.charges.retrieve(pending.id, { expand: ['balance_transaction'] })).balance_transaction, null, 'a null field stays null');
  });

  it('answers what cannot be expanded with Stripe\'s 400', async () => {
    const id = sim.state.truth().charges[0]!.id;
    const unknown = await get(sim, `/v1/charges/${id}?expand[]=foo`);
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body, { error: { type: 'invalid_request_error', message: 'This property cannot be expanded (foo).' } });
    const notData = await get(sim, '/v1/charges?expand[]=refunds');
    assert.equal(notData.status, 400);
    assert.match(String((notData.body.error as Obj).message), /cannot be expanded \(refunds\)\. You may want to try expanding 'data\.refunds' instead/);
    const deep = await get(sim, `/v1/refunds/${sim.state.truth().refunds[0]!.id}?expand[]=charge.customer.a.b.c`);
    assert.equal(deep.status, 400);
    assert.match(String((deep.body.error as Obj).message), /more than 4 levels/);
    await assert.rejects(stripe.events.list({ limit: 1, expand: ['data.data'] }), (err: unknown) => err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 400);
  });
});

describe('stripe simulator: webhook payloads have the event shapes', () => {
  let sim: RunningSimulator<StripeSimState>;
  let server: Server;
  const received: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push(body);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    sim = await startStripeSimulator({ clock: createManualClock(T0), faults: { records: 100, poisonRate: 0 }, webhooks: [{ url }], oldRefundsPerHour: 30 });
  });
  after(async () => {
    await sim.close();
    server.close();
  });

  it('every delivered payload is the stored event, in the stripe-node Event shape', async () => {
    await fetch(`${sim.url}/__sandbox/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hours: 3 }) });
    const expected = sim.state.webhooks.deliveries().length;
    for (let i = 0; i < 200 && received.length < expected; i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(expected > 50 && received.length === expected, `received ${received.length} of ${expected}`);
    const types = new Set<string>();
    for (const raw of received) {
      const e = JSON.parse(raw) as Obj;
      types.add(String(e.type));
      checkEvent(e, `webhook ${String(e.type)}`);
      assert.deepEqual(e, (await get(sim, `/v1/events/${String(e.id)}`)).body);
    }
    assert.ok(types.has('refund.created') && types.has('charge.refunded'), [...types].join(','));
  });
});
