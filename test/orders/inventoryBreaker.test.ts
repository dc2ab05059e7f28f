import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { useTestDb } from '../helpers/testResources.ts';
import type { App } from '../../src/http/index.ts';
import { signDevToken } from '../../src/orders/index.ts';
import { createManualClock, type ManualClock } from '../../src/resilience/index.ts';
import { startInventorySimulator } from '../../src/sandbox/inventory/index.ts';
import { buildOrderApp, countRows, inventoryRequests, TEST_JWT_SECRET } from './support.ts';

describe('inventory behind the circuit breaker (seed defaults: 5 failures → open 30 s)', () => {
  const db = useTestDb();
  let app: App;
  let sim: Awaited<ReturnType<typeof startInventorySimulator>>;
  let clock: ManualClock;
  let auth: Record<string, string>;
  before(async () => {
    sim = db.closeLater(await startInventorySimulator({ port: 0, faults: { errorRate: 0 } }));
    clock = createManualClock();
    app = db.closeLater(await buildOrderApp(db.pool, sim.url, { clock }));
    auth = { authorization: `Bearer ${await signDevToken(TEST_JWT_SECRET, 'dave')}` };
  });

  const order = () =>
    app.inject({ method: 'POST', url: '/api/orders', headers: { ...auth, 'idempotency-key': randomUUID() }, payload: { customerId: 'dave', items: [{ productId: 'prod_1', quantity: 1, price: 3.5 }] } });
  const breaker = async () => {
    const res = await app.inject({ method: 'GET', url: '/api/metrics', headers: auth });
    return (res.json().breakers as Array<{ name: string; state: string; transitions: Record<string, number> }>).find((b) => b.name === 'inventory')!;
  };

  it('opens after 5 failures, then answers 503 without calling inventory; probes after 30 s; closes on recovery', async () => {
    assert.equal((await order()).statusCode, 201, 'healthy inventory');
    const ordersBefore = (await countRows(db.pool)).orders;
    await fetch(`${sim.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errorRate: 1 }) });

    const start = await inventoryRequests(sim.url);
    for (let i = 1; i <= 5; i++) {
      const res = await order();
      assert.equal(res.statusCode, 503, `failure ${i}`);
      assert.equal(res.json().error, 'inventory_unavailable');
      assert.ok(Number(res.json().retryAfter) >= 1);
    }
    assert.equal((await inventoryRequests(sim.url)) - start, 5, 'the 5 failures reached inventory');
    assert.equal((await breaker()).state, 'open');

    const whileOpen = await inventoryRequests(sim.url);
    for (let i = 0; i < 3; i++) {
      const res = await order();
      assert.equal(res.statusCode, 503);
      assert.deepEqual({ error: res.json().error, retryAfter: res.json().retryAfter }, { error: 'inventory_unavailable', retryAfter: 30 });
      assert.equal(res.headers['retry-after'], '30');
    }
    assert.equal(await inventoryRequests(sim.url), whileOpen, 'open breaker: inventory not called');

    await clock.advance(30_000);
    assert.equal((await breaker()).state, 'half_open');
    const probe = await order();
    assert.equal(probe.statusCode, 503, 'the probe still fails');
    assert.equal(await inventoryRequests(sim.url), whileOpen + 1, 'exactly one probe reached inventory');
    assert.equal((await breaker()).state, 'open');

    await fetch(`${sim.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errorRate: 0 }) });
    await clock.advance(30_000);
    assert.equal((await order()).statusCode, 201, 'successful probe');
    const b = await breaker();
    assert.equal(b.state, 'closed');
    assert.ok((b.transitions.open ?? 0) >= 2 && (b.transitions.half_open ?? 0) >= 2 && (b.transitions.closed ?? 0) >= 1, JSON.stringify(b.transitions));
    assert.equal((await order()).statusCode, 201);
    assert.equal((await countRows(db.pool)).orders - ordersBefore, 2, 'refused requests wrote no order');
    assert.equal((await countRows(db.pool)).idempotency_keys, 3, '503s released their keys; the three 201s kept theirs');
  });

  it('/api/metrics reports API rate and latency percentiles, orders by status and the order queues', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/metrics', headers: auth });
    const m = res.json();
    assert.ok(m.api.requests > 0);
    assert.ok(m.api.ratePerS > 0);
    assert.ok(m.api.latencyMs.p99 >= m.api.latencyMs.p50);
    assert.ok(m.api.byStatus['503'] >= 8);
    assert.equal(m.ordersByStatus['Pending Shipment'], (await countRows(db.pool)).orders);
    assert.deepEqual(m.queues.map((q: { queue: string }) => q.queue), ['orders.fulfillment', 'orders.status']);
    assert.equal(m.queues[0].pending, (await countRows(db.pool)).orders);
  });
});
