import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningSimulator } from '../../src/sandbox/common/index.ts';
import { DEFAULT_STOCK, SOLD_OUT_PRODUCT_ID, startInventorySimulator, UNKNOWN_PRODUCT_ID, type InventorySimState, type InventoryTruth } from '../../src/sandbox/inventory/index.ts';

async function call<T = Record<string, unknown>>(url: string, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    ...(init.body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

describe('inventory simulator', () => {
  let sim: RunningSimulator<InventorySimState>;
  const reserve = (orderId: string, items: Array<{ productId: string; quantity: number }>) => call(`${sim.url}/inventory/reserve`, { method: 'POST', body: { orderId, items } });
  const available = async (productId: string) => (await call<{ available: number }>(`${sim.url}/inventory/${productId}`)).body.available;

  before(async () => {
    sim = await startInventorySimulator({ faults: { errorRate: 0 } });
  });
  after(() => sim.close());

  it('serves stock per product: prod_1..prod_50 seeded, prod_sold_out empty, reserved unknown ids 404; equal to the truth', async () => {
    const one = await call(`${sim.url}/inventory/prod_1`);
    assert.equal(one.status, 200);
    assert.equal(one.body.productId, 'prod_1');
    assert.ok((one.body.available as number) >= 1000);
    assert.equal(await available(SOLD_OUT_PRODUCT_ID), 0);
    assert.equal((await call(`${sim.url}/inventory/${UNKNOWN_PRODUCT_ID}`)).status, 404);
    assert.equal((await call(`${sim.url}/inventory/${UNKNOWN_PRODUCT_ID}_9`)).status, 404);
    assert.equal(await available('product-never-seen'), DEFAULT_STOCK, 'any other id has stock');
    const list = (await call<{ products: Array<{ productId: string; available: number }> }>(`${sim.url}/inventory`)).body.products;
    const truth = (await call<InventoryTruth>(`${sim.url}/__sandbox/truth`)).body;
    assert.equal(list.length, 51);
    assert.deepEqual(list, truth.products.map((p) => ({ productId: p.productId, available: p.stock })));
  });

  it('a reservation takes stock once per orderId: a retry replays the same answer, even concurrently', async () => {
    const start = await available('prod_2');
    const first = await reserve('order-a', [{ productId: 'prod_2', quantity: 3 }, { productId: 'prod_2', quantity: 1 }]);
    assert.equal(first.status, 200);
    assert.equal(first.body.available, true);
    assert.deepEqual(first.body.items, [{ productId: 'prod_2', quantity: 4 }]);
    const again = await reserve('order-a', [{ productId: 'prod_2', quantity: 4 }]);
    assert.deepEqual([again.status, again.body], [200, first.body]);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(await available('prod_2'), start - 4);

    const start3 = await available('prod_3');
    const burst = await Promise.all(Array.from({ length: 10 }, () => reserve('order-b', [{ productId: 'prod_3', quantity: 2 }])));
    assert.equal(new Set(burst.map((r) => JSON.stringify(r.body))).size, 1);
    assert.equal(await available('prod_3'), start3 - 2);
  });

  it('out of stock is 409 {available:false, productId, requested, inStock, reason}, and nothing is reserved', async () => {
    const start = await available('prod_4');
    const res = await reserve('order-c', [{ productId: 'prod_4', quantity: 1 }, { productId: SOLD_OUT_PRODUCT_ID, quantity: 1 }]);
    assert.equal(res.status, 409);
    assert.deepEqual(res.body, { available: false, orderId: 'order-c', productId: SOLD_OUT_PRODUCT_ID, requested: 1, inStock: 0, reason: 'out_of_stock' });
    assert.equal(await available('prod_4'), start);
    const unknown = await reserve('order-d', [{ productId: 'prod_4', quantity: 1 }, { productId: UNKNOWN_PRODUCT_ID, quantity: 1 }]);
    assert.deepEqual(unknown.body, { available: false, orderId: 'order-d', productId: UNKNOWN_PRODUCT_ID, requested: 1, inStock: 0, reason: 'unknown_product' });
    assert.equal(unknown.status, 409);
    assert.equal(await available('prod_4'), start);
    assert.equal((await call(`${sim.url}/__sandbox/stock`, { method: 'POST', body: { productId: UNKNOWN_PRODUCT_ID, quantity: 5 } })).status, 400, 'the unknown id cannot be stocked');
  });

  it('any product id outside the seeded catalog has stock: it is reserved, counted down, released and listed', async () => {
    const res = await reserve('order-open', [{ productId: 'product-456', quantity: 2 }]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.items, [{ productId: 'product-456', quantity: 2 }]);
    assert.equal(await available('product-456'), DEFAULT_STOCK - 2);
    let truth = (await call<InventoryTruth>(`${sim.url}/__sandbox/truth`)).body;
    assert.deepEqual(truth.products.find((p) => p.productId === 'product-456'), { productId: 'product-456', stock: DEFAULT_STOCK - 2, reserved: 2 });
    await call(`${sim.url}/inventory/release`, { method: 'POST', body: { orderId: 'order-open' } });
    assert.equal(await available('product-456'), DEFAULT_STOCK);
    truth = (await call<InventoryTruth>(`${sim.url}/__sandbox/truth`)).body;
    assert.equal(truth.products.find((p) => p.productId === 'product-456')?.reserved, 0);
  });

  it('release puts the stock back once; the truth lists reservations and held units', async () => {
    const start = await available('prod_5');
    await reserve('order-e', [{ productId: 'prod_5', quantity: 7 }]);
    let truth = (await call<InventoryTruth>(`${sim.url}/__sandbox/truth`)).body;
    assert.deepEqual(truth.products.find((p) => p.productId === 'prod_5'), { productId: 'prod_5', stock: start - 7, reserved: 7 });
    assert.deepEqual(truth.reservations.find((r) => r.orderId === 'order-e'), { orderId: 'order-e', status: 'reserved', items: [{ productId: 'prod_5', quantity: 7 }] });
    const rel = await call(`${sim.url}/inventory/release`, { method: 'POST', body: { orderId: 'order-e' } });
    assert.deepEqual([rel.status, rel.body.released], [200, true]);
    const twice = await call(`${sim.url}/inventory/release`, { method: 'POST', body: { orderId: 'order-e' } });
    assert.deepEqual([twice.status, twice.body.released, twice.body.reason], [200, false, 'already_released']);
    assert.equal((await call(`${sim.url}/inventory/release`, { method: 'POST', body: { orderId: 'never' } })).status, 404);
    assert.equal(await available('prod_5'), start);
    truth = (await call<InventoryTruth>(`${sim.url}/__sandbox/truth`)).body;
    assert.equal(truth.reservations.find((r) => r.orderId === 'order-e')?.status, 'released');
  });

  it('bad bodies are 400; stock can be set through the control endpoint', async () => {
    assert.equal((await reserve('', [{ productId: 'prod_1', quantity: 1 }])).status, 400);
    assert.equal((await reserve('order-f', [])).status, 400);
    assert.equal((await reserve('order-f', [{ productId: 'prod_1', quantity: 0 }])).status, 400);
    await call(`${sim.url}/__sandbox/stock`, { method: 'POST', body: { productId: 'prod_6', quantity: 2 } });
    assert.equal(await available('prod_6'), 2);
    assert.equal((await reserve('order-g', [{ productId: 'prod_6', quantity: 3 }])).status, 409);
  });

  it('a call failed by the failure rate reserves nothing; the retry reserves once', async () => {
    const start = await available('prod_8');
    sim.setFaults({ errorRate: 1 });
    const failed = await reserve('order-h', [{ productId: 'prod_8', quantity: 1 }]);
    sim.setFaults({ errorRate: 0 });
    assert.equal(failed.status, 503);
    assert.equal(await available('prod_8'), start);
    assert.equal((await reserve('order-h', [{ productId: 'prod_8', quantity: 1 }])).status, 200);
    assert.equal(await available('prod_8'), start - 1);
  });
});

describe('inventory simulator: failure-rate knob', () => {
  it('INVENTORY_FAILURE_RATE=30 (percent) fails about 30 % of 500 calls with 503', async () => {
    const sim = await startInventorySimulator({ env: { INVENTORY_FAILURE_RATE: '30' } });
    try {
      assert.equal(sim.faults().errorRate, 0.3);
      let failed = 0;
      for (let i = 0; i < 500; i += 50) {
        const batch = await Promise.all(Array.from({ length: 50 }, () => fetch(`${sim.url}/inventory/prod_1`).then(async (r) => (await r.arrayBuffer(), r.status))));
        failed += batch.filter((s) => s === 503).length;
        assert.ok(batch.every((s) => s === 200 || s === 503));
      }
      assert.ok(Math.abs(failed / 500 - 0.3) < 0.06, `failure rate ${failed / 500}`);
    } finally {
      await sim.close();
    }
  });

  it('defaults to 1 %; SANDBOX_INVENTORY_ERROR_RATE wins over INVENTORY_FAILURE_RATE; a bad percentage is refused', async () => {
    const plain = await startInventorySimulator();
    const both = await startInventorySimulator({ env: { INVENTORY_FAILURE_RATE: '30', SANDBOX_INVENTORY_ERROR_RATE: '0.05' } });
    try {
      assert.equal(plain.faults().errorRate, 0.01);
      assert.equal(both.faults().errorRate, 0.05);
    } finally {
      await plain.close();
      await both.close();
    }
    await assert.rejects(startInventorySimulator({ env: { INVENTORY_FAILURE_RATE: '150' } }), /INVENTORY_FAILURE_RATE/);
  });
});
