import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { createManualClock, type RunningSimulator } from '../../src/sandbox/common/index.ts';
import { startStripeSimulator, type StripeSimState } from '../../src/sandbox/stripe/index.ts';

const T0 = Date.UTC(2025, 5, 1, 12);
const DAY_S = 86_400;

function client(port: number, key = 'sk_test_sandbox'): Stripe {
  return new Stripe(key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 });
}

async function getJson(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(url, { ...init, headers: { authorization: 'Bearer sk_test_sandbox', ...(init.headers as Record<string, string>) } });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

describe('stripe simulator: API against the official client', () => {
  let sim: RunningSimulator<StripeSimState>;
  let stripe: Stripe;
  before(async () => {
    sim = await startStripeSimulator({ clock: createManualClock(T0), faults: { records: 1500, poisonRate: 0 } });
    stripe = client(sim.port);
  });
  after(() => sim.close());

  it('auto-paging charges returns every charge in truth, newest first, with matching amounts', async () => {
    const seen: Stripe.Charge[] = [];
    for await (const c of stripe.charges.list({ limit: 100 })) seen.push(c);
    const truth = sim.state.truth().charges;
    assert.equal(seen.length, 1500);
    assert.deepEqual(
      seen.map((c) => [c.id, c.amount, c.currency, c.status, c.amount_refunded]).sort(),
      truth.map((c) => [c.id, c.amount, c.currency, c.status, c.amount_refunded]).sort(),
    );
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i - 1]!.created >= seen[i]!.created, 'newest first');
    assert.ok(truth.every((c) => c.created >= T0 / 1000 - 90 * DAY_S && c.created < T0 / 1000), 'spread over the past 90 days');
    assert.ok(new Set(truth.map((c) => c.currency)).size === 3, 'usd, eur and gbp');
  });

  it('created[gte] auto-paging returns exactly the charges created since then', async () => {
    const since = T0 / 1000 - 10 * DAY_S;
    const ids: string[] = [];
    for await (const c of stripe.charges.list({ limit: 100, created: { gte: since } })) ids.push(c.id);
    const expected = sim.state.truth().charges.filter((c) => c.created >= since).map((c) => c.id);
    assert.ok(expected.length > 50);
    assert.deepEqual(ids.sort(), expected.sort());
  });

  it('ending_before pages towards newer objects', async () => {
    const all = (await stripe.charges.list({ limit: 30 })).data;
    const older = all[20]!;
    const page = await stripe.charges.list({ limit: 5, ending_before: older.id });
    assert.deepEqual(page.data.map((c) => c.id), all.slice(15, 20).map((c) => c.id));
    assert.equal(page.has_more, true);
  });

  it('refunds and single-object retrieval agree with truth', async () => {
    const refunds: Stripe.Refund[] = [];
    for await (const r of stripe.refunds.list({ limit: 100 })) refunds.push(r);
    const truth = sim.state.truth();
    assert.deepEqual(refunds.map((r) => `${r.id}:${r.amount}:${r.charge as string}`).sort(), truth.refunds.map((r) => `${r.id}:${r.amount}:${r.charge}`).sort());
    assert.ok(refunds.length > 20);
    const r = refunds[0]!;
    const charge = await stripe.charges.retrieve(r.charge as string);
    const refundedSum = truth.refunds.filter((x) => x.charge === charge.id && x.status !== 'failed').reduce((s, x) => s + x.amount, 0);
    assert.equal(charge.amount_refunded, refundedSum);
    assert.equal(charge.refunded, refundedSum === charge.amount);
    assert.equal((await stripe.refunds.retrieve(r.id)).amount, r.amount);
  });

  it('events are kept 30 days; type filters work; an evicted cursor is a 400 resource_missing', async () => {
    const events: Stripe.Event[] = [];
    for await (const e of stripe.events.list({ limit: 100 })) events.push(e);
    const truth = sim.state.truth();
    assert.deepEqual(events.map((e) => e.id).sort(), truth.events.map((e) => e.id).sort());
    assert.ok(events.every((e) => e.created >= T0 / 1000 - 30 * DAY_S));
    const refundsOnly = (await stripe.events.list({ limit: 100, types: ['refund.created'] })).data;
    assert.ok(refundsOnly.length > 0 && refundsOnly.every((e) => e.type === 'refund.created'));
    const wildcard = (await stripe.events.list({ limit: 100, type: 'charge.*' })).data;
    assert.ok(wildcard.every((e) => e.type.startsWith('charge.')));
    const oldest = events[events.length - 1]!;
    sim.clock.advance(2 * DAY_S * 1000);
    await assert.rejects(stripe.events.list({ limit: 10, starting_after: oldest.id }), (err: Stripe.errors.StripeError) => {
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, 'resource_missing');
      assert.equal(err.param, 'starting_after');
      return true;
    });
  });

  it('advancing time creates charges and refunds old ones, each with events carrying snapshots', async () => {
    const before = sim.state.truth();
    const res = await getJson(`${sim.url}/__sandbox/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hours: 24 }) });
    assert.equal(res.status, 200);
    const after = sim.state.truth();
    assert.ok(after.charges.length > before.charges.length + 1000, 'about 60 new charges per hour');
    assert.ok(after.refunds.length > before.refunds.length, 'new refunds');
    const lastEventId = before.events[before.events.length - 1]!.id;
    const fresh: Stripe.Event[] = [];
    for await (const e of stripe.events.list({ limit: 100, ending_before: lastEventId })) fresh.push(e);
    assert.equal(fresh.length, after.events.length - after.events.findIndex((e) => e.id === lastEventId) - 1);
    const refunded = fresh.find((e) => e.type === 'charge.refunded')!;
    const snapshot = refunded.data.object as Stripe.Charge;
    assert.ok(snapshot.amount_refunded > 0);
    assert.ok(refunded.data.previous_attributes && 'amount_refunded' in refunded.data.previous_attributes);
    const oldRefund = after.refunds.slice(before.refunds.length).find((r) => after.charges.find((c) => c.id === r.charge)!.created < before.events[0]!.created);
    assert.ok(oldRefund, 'some refund is of a charge older than 30 days');
  });

  it('answers bad limits, unknown params and bad keys with Stripe errors; accepts Basic auth', async () => {
    for (const limit of ['0', '101', 'x']) {
      const res = await getJson(`${sim.url}/v1/charges?limit=${limit}`);
      assert.equal(res.status, 400);
      assert.equal((res.body.error as { type: string; param: string }).type, 'invalid_request_error');
      assert.equal((res.body.error as { param: string }).param, 'limit');
    }
    assert.equal((await getJson(`${sim.url}/v1/charges?bogus=1`)).status, 400);
    const noKey = await fetch(`${sim.url}/v1/charges`);
    assert.equal(noKey.status, 401);
    assert.match(((await noKey.json()) as { error: { message: string } }).error.message, /did not provide an API key/);
    await assert.rejects(client(sim.port, 'sk_live_nope_nope_nope').charges.list(), (e: Stripe.errors.StripeError) => e.statusCode === 401 && e.type === 'StripeAuthenticationError');
    const basic = await fetch(`${sim.url}/v1/charges?limit=1`, { headers: { authorization: `Basic ${Buffer.from('sk_test_abc:').toString('base64')}` } });
    assert.equal(basic.status, 200);
    const missing = await getJson(`${sim.url}/v1/charges/ch_nope`);
    assert.equal(missing.status, 404);
    assert.equal((missing.body.error as { code: string }).code, 'resource_missing');
  });
});

describe('stripe simulator: determinism and poison', () => {
  it('the same seed and clock give the same data; another seed differs', async () => {
    const mk = (seed: number) => startStripeSimulator({ clock: createManualClock(T0), faults: { records: 300, seed } });
    const [a, b, c] = await Promise.all([mk(7), mk(7), mk(8)]);
    try {
      for (const s of [a, b, c]) s.clock.advance(3 * 3_600_000);
      assert.deepEqual(a.state.catchUp(), b.state.catchUp());
      c.state.catchUp();
      const strip = (s: RunningSimulator<StripeSimState>) => {
        const { webhooks: _w, ...rest } = s.state.truth();
        return rest;
      };
      assert.deepEqual(strip(a), strip(b));
      assert.notDeepEqual(strip(a).charges.map((x) => x.id), strip(c).charges.map((x) => x.id));
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('poison charges are malformed on the wire exactly where truth says', async () => {
    const sim = await startStripeSimulator({ clock: createManualClock(T0), faults: { records: 500, poisonRate: 0.1 } });
    try {
      const wire: Array<Record<string, unknown>> = [];
      let after: string | undefined;
      for (;;) {
        const page = await getJson(`${sim.url}/v1/charges?limit=100${after ? `&starting_after=${after}` : ''}`);
        const data = page.body.data as Array<Record<string, unknown>>;
        wire.push(...data);
        if (!page.body.has_more) break;
        after = data[data.length - 1]!.id as string;
      }
      const poison = new Map(sim.state.truth().charges.filter((c) => c.poison).map((c) => [c.id, c.poison]));
      assert.ok(poison.size > 20 && poison.size < 90, `poison=${poison.size}`);
      for (const c of wire) {
        const kind = poison.get(c.id as string);
        const malformed = typeof c.amount !== 'number' || typeof c.currency !== 'string' || typeof c.created !== 'number' || typeof c.status !== 'string';
        assert.equal(malformed, kind !== undefined, `charge ${String(c.id)} poison=${kind}`);
      }
    } finally {
      await sim.close();
    }
  });
});
