/**
 * The order API's documented sample request against the inventory simulator as `buffalo start`
 * runs it: a client's own product ids are accepted (open catalog), the reserved ids keep the
 * refusal paths, and a product that does not exist is Buffalo's 422 unknown_product.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { useTestDb } from '../helpers/testResources.ts';
import type { App } from '../../src/http/index.ts';
import { createOrderWorkers, signDevToken } from '../../src/orders/index.ts';
import { SOLD_OUT_PRODUCT_ID, startInventorySimulator, UNKNOWN_PRODUCT_ID } from '../../src/sandbox/inventory/index.ts';
import { buildOrderApp, countRows, FULL_HISTORY, TEST_JWT_SECRET } from './support.ts';
import { waitFor } from '../helpers/waitFor.ts';

// The README's sample body, byte for byte what a client copying it sends.
const SAMPLE = { customerId: 'customer-123', items: [{ productId: 'product-456', quantity: 2, price: 29.99 }] };

describe('the sample order request', () => {
  const db = useTestDb();
  let app: App;
  let sim: Awaited<ReturnType<typeof startInventorySimulator>>;
  let auth: Record<string, string>;
  before(async () => {
    sim = db.closeLater(await startInventorySimulator({ port: 0, faults: { errorRate: 0 } }));
    app = db.closeLater(await buildOrderApp(db.pool, sim.url));
    auth = { authorization: `Bearer ${await signDevToken(TEST_JWT_SECRET, SAMPLE.customerId)}` };
  });

  const post = (payload: unknown) => app.inject({ method: 'POST', url: '/api/orders', headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': randomUUID() }, payload: JSON.stringify(payload) });

  it('is 201 for product-456 (a product id the simulator never seeded) and the order reaches Delivered', async () => {
    const workers = createOrderWorkers({ pool: db.pool, orders: { fulfillmentMinDelayMs: 10, fulfillmentMaxDelayMs: 30 }, pollIntervalMs: 20 });
    await workers.start();
    try {
      const created = await post(SAMPLE);
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().totalCents, '5998');
      assert.deepEqual(created.json().items, [{ productId: 'product-456', quantity: 2, price: '29.99', priceCents: '2999' }]);
      const id = created.json().id as string;
      const order = await waitFor('the sample order Delivered', async () => {
        const res = await app.inject({ method: 'GET', url: `/api/orders/${id}`, headers: auth });
        return res.json().status === 'Delivered' ? res.json() : null;
      });
      assert.deepEqual(order.history.map((h: { from: string | null; to: string }) => `${h.from ?? '∅'}→${h.to}`), FULL_HISTORY);
    } finally {
      await workers.stop();
    }
  });

  it('a product that does not exist is 422 unknown_product naming it, and writes no order', async () => {
    const before = await countRows(db.pool);
    const productId = `${UNKNOWN_PRODUCT_ID}_42`;
    const res = await post({ ...SAMPLE, items: [{ productId: 'product-456', quantity: 1, price: 1 }, { productId, quantity: 1, price: 1 }] });
    assert.equal(res.statusCode, 422, res.body);
    assert.equal(res.json().error, 'unknown_product');
    assert.equal(res.json().productId, productId);
    assert.match(res.json().message, new RegExp(`product ${productId} does not exist`));
    assert.equal((await countRows(db.pool)).orders, before.orders);
  });

  it('the sold-out product is 409 out_of_stock', async () => {
    const res = await post({ ...SAMPLE, items: [{ productId: SOLD_OUT_PRODUCT_ID, quantity: 1, price: 1 }] });
    assert.equal(res.statusCode, 409, res.body);
    assert.equal(res.json().error, 'out_of_stock');
    assert.equal(res.json().productId, SOLD_OUT_PRODUCT_ID);
  });
});
