import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '../../src/http/index.ts';
import { signDevToken } from '../../src/orders/index.ts';
import { startInventorySimulator } from '../../src/sandbox/inventory/index.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { expireLease, failResponseStores, keyStatus } from '../helpers/idempotency.ts';
import { buildOrderApp, TEST_JWT_SECRET } from './support.ts';

const LEASE_MS = 250;

describe('POST /api/orders is exactly-once per Idempotency-Key, even past the lease', () => {
  const db = useTestDb();
  let app: App;
  let sim: Awaited<ReturnType<typeof startInventorySimulator>>;
  let auth: Record<string, string>;
  before(async () => {
    sim = db.closeLater(await startInventorySimulator({ port: 0, faults: { errorRate: 0 } }));
    app = db.closeLater(await buildOrderApp(db.pool, sim.url, { idempotencyLeaseMs: LEASE_MS }));
    auth = { authorization: `Bearer ${await signDevToken(TEST_JWT_SECRET, 'erin')}` };
  });

  const post = (key: string, productId: string) =>
    app.inject({ method: 'POST', url: '/api/orders', headers: { ...auth, 'idempotency-key': key }, payload: { customerId: 'erin', items: [{ productId, quantity: 1, price: 3 }] } });
  const ordersOf = async (productId: string) =>
    (await db.pool.query<{ order_id: string }>('SELECT order_id FROM order_items WHERE product_id = $1', [productId])).rows.map((r) => r.order_id);
  const setLatency = async (latencyMs: number) => {
    const res = await fetch(`${sim.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs }) });
    assert.equal(res.status, 200);
  };

  it('a request stalled past its lease cannot commit a second order after a retry took its key over', async () => {
    await setLatency(LEASE_MS * 3);
    try {
      const key = 'stall-order-1';
      const first = post(key, 'prod_stall');
      await expireLease(db.pool, key);
      const takeover = post(key, 'prod_stall');
      const answers = await Promise.all([first, takeover]);
      const created = answers.filter((r) => r.statusCode === 201);
      const refused = answers.filter((r) => r.statusCode === 409);
      assert.equal(created.length, 1, answers.map((r) => `${r.statusCode} ${r.body}`).join(' | '));
      assert.equal(refused.length, 1);
      assert.equal(refused[0]!.json().error, 'idempotency_key_in_use');
      assert.deepEqual(await ordersOf('prod_stall'), [created[0]!.json().id], 'one order under the key');
      const replay = await post(key, 'prod_stall');
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(replay.json().id, created[0]!.json().id);
    } finally {
      await setLatency(0);
    }
  });

  it('a failed response store rolls the order back with it; the retry places exactly one order', async () => {
    const restore = await failResponseStores(db.pool, 'fail-order-');
    const key = 'fail-order-1';
    try {
      assert.equal((await post(key, 'prod_store_fails')).statusCode, 500);
    } finally {
      await restore();
    }
    assert.deepEqual(await ordersOf('prod_store_fails'), [], 'no order without its stored answer');
    assert.equal(await keyStatus(db.pool, key), 'released');
    const retried = await post(key, 'prod_store_fails');
    assert.equal(retried.statusCode, 201, retried.body);
    assert.deepEqual(await ordersOf('prod_store_fails'), [retried.json().id]);
  });
});
