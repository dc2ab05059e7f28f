import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { useTestDb } from '../helpers/testResources.ts';
import type { App } from '../../src/http/index.ts';
import { createOrderWorkers, signDevToken } from '../../src/orders/index.ts';
import { startInventorySimulator } from '../../src/sandbox/inventory/index.ts';
import { buildOrderApp, countRows, FULL_HISTORY, TEST_JWT_SECRET } from './support.ts';
import { waitFor } from '../helpers/waitFor.ts';

describe('POST /api/orders and GET /api/orders/:id', () => {
  const db = useTestDb({ poolMax: 30 });
  let app: App;
  let sim: Awaited<ReturnType<typeof startInventorySimulator>>;
  let auth: Record<string, string>;
  before(async () => {
    sim = db.closeLater(await startInventorySimulator({ port: 0, faults: { errorRate: 0 } }));
    app = db.closeLater(await buildOrderApp(db.pool, sim.url, { bodyLimitBytes: 8192 }));
    auth = { authorization: `Bearer ${await signDevToken(TEST_JWT_SECRET, 'carol')}` };
  });

  const post = (payload: unknown, key: string = randomUUID(), extra: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/orders', headers: { ...auth, 'idempotency-key': key, ...extra }, payload: payload as object });

  it('201 with the order: Pending Shipment, exact cents from numbers and decimal strings, totalCents as a string', async () => {
    const res = await post({ customerId: 'carol', items: [{ productId: 'prod_2', quantity: 3, price: 19.99 }, { productId: 'prod_3', quantity: 1, price: '0.10' }] });
    assert.equal(res.statusCode, 201, res.body);
    const order = res.json();
    assert.equal(order.status, 'Pending Shipment');
    assert.equal(order.customerId, 'carol');
    assert.equal(order.totalCents, '6007');
    assert.equal(order.total, '60.07');
    assert.deepEqual(order.items.map((i: { priceCents: string }) => i.priceCents), ['1999', '10']);
    const { rows } = await db.pool.query('SELECT total_cents, status FROM orders WHERE id = $1', [order.id]);
    assert.deepEqual(rows[0], { total_cents: '6007', status: 'Pending Shipment' });
    const job = await db.pool.query(`SELECT payload FROM jobs WHERE queue = 'orders.fulfillment' AND payload->>'orderId' = $1`, [order.id]);
    assert.equal(job.rows[0]?.payload.type, 'order.created', 'order.created committed with the order');
  });

  it('100 concurrent requests with one Idempotency-Key create exactly one order', async () => {
    const before = await countRows(db.pool);
    const key = randomUUID();
    const payload = { customerId: 'carol', items: [{ productId: 'prod_4', quantity: 1, price: 5 }] };
    const responses = await Promise.all(Array.from({ length: 100 }, () => post(payload, key)));
    const created = responses.filter((r) => r.statusCode === 201);
    assert.ok(created.length >= 1);
    assert.ok(responses.every((r) => r.statusCode === 201 || r.statusCode === 409), `statuses ${[...new Set(responses.map((r) => r.statusCode))]}`);
    assert.equal(new Set(created.map((r) => r.json().id)).size, 1, 'every 201 is the same order');
    const after = await countRows(db.pool);
    assert.equal(after.orders - before.orders, 1);
    assert.equal(after.jobs - before.jobs, 1, 'one order.created event');
    const replay = await post(payload, key);
    assert.equal(replay.statusCode, 201);
    assert.equal(replay.json().id, created[0]!.json().id);
  });

  it('the same Idempotency-Key with a different body is 422 idempotency_key_reused', async () => {
    const key = randomUUID();
    assert.equal((await post({ customerId: 'carol', items: [{ productId: 'prod_5', quantity: 1, price: 5 }] }, key)).statusCode, 201);
    const res = await post({ customerId: 'carol', items: [{ productId: 'prod_5', quantity: 2, price: 5 }] }, key);
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().error, 'idempotency_key_reused');
  });

  it('invalid bodies, malformed JSON and oversized bodies are 4xx and write nothing', async () => {
    const before = await countRows(db.pool);
    const item = { productId: 'prod_6', quantity: 1, price: 1 };
    const cases: Array<[string, unknown, string]> = [
      ['quantity 0', { customerId: 'carol', items: [{ ...item, quantity: 0 }] }, 'items.0.quantity'],
      ['quantity 1.5', { customerId: 'carol', items: [{ ...item, quantity: 1.5 }] }, 'items.0.quantity'],
      ['quantity negative', { customerId: 'carol', items: [{ ...item, quantity: -2 }] }, 'items.0.quantity'],
      ['quantity as string', { customerId: 'carol', items: [{ ...item, quantity: '2' }] }, 'items.0.quantity'],
      ['price 0', { customerId: 'carol', items: [{ ...item, price: 0 }] }, 'items.0.price'],
      ['price -1', { customerId: 'carol', items: [{ ...item, price: -1 }] }, 'items.0.price'],
      ['price 1.234', { customerId: 'carol', items: [{ ...item, price: 1.234 }] }, 'items.0.price'],
      ['price "1.234"', { customerId: 'carol', items: [{ ...item, price: '1.234' }] }, 'items.0.price'],
      ['price "abc"', { customerId: 'carol', items: [{ ...item, price: 'abc' }] }, 'items.0.price'],
      ['empty items', { customerId: 'carol', items: [] }, 'items'],
      ['101 items', { customerId: 'carol', items: Array.from({ length: 101 }, () => item) }, 'items'],
      ['unknown top-level field', { customerId: 'carol', items: [item], coupon: 'FREE' }, 'coupon'],
      ['unknown item field', { customerId: 'carol', items: [{ ...item, discount: 1 }] }, 'items.0.discount'],
      ['missing customerId', { items: [item] }, 'customerId'],
      ['empty productId', { customerId: 'carol', items: [{ ...item, productId: '' }] }, 'items.0.productId'],
      ['body is an array', [item], ''],
    ];
    for (const [name, payload, field] of cases) {
      const res = await post(payload);
      assert.equal(res.statusCode, 400, `${name}: ${res.body}`);
      assert.equal(res.json().error, 'validation_failed', name);
      if (field) assert.equal(res.json().field, field, `${name}: ${res.body}`);
    }
    const malformed = await app.inject({ method: 'POST', url: '/api/orders', headers: { ...auth, 'idempotency-key': randomUUID(), 'content-type': 'application/json' }, payload: '{"customerId": "carol", "items": [' });
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().error, 'malformed_json');
    const big = await post({ customerId: 'carol', items: [{ ...item, productId: 'x'.repeat(20_000) }] });
    assert.equal(big.statusCode, 413);
    const noKey = await app.inject({ method: 'POST', url: '/api/orders', headers: auth, payload: { customerId: 'carol', items: [item] } });
    assert.equal(noKey.statusCode, 400);
    assert.equal(noKey.json().error, 'idempotency_key_required');
    assert.deepEqual(await countRows(db.pool), before, 'no order, item, event or idempotency key written');
  });

  it('out of stock is 409 out_of_stock naming the product, and writes no order', async () => {
    const stock = sim.state.stock as Map<string, number>;
    const [productId] = [...stock].find(([, n]) => n > 0)!;
    const have = stock.get(productId)!;
    const before = await countRows(db.pool);
    const res = await post({ customerId: 'carol', items: [{ productId: 'prod_1', quantity: 1, price: 1 }, { productId, quantity: have + 1, price: 2 }] });
    assert.equal(res.statusCode, 409, res.body);
    assert.equal(res.json().error, 'out_of_stock');
    assert.equal(res.json().productId, productId);
    assert.match(res.json().message, new RegExp(productId));
    assert.equal((await countRows(db.pool)).orders, before.orders);
  });

  it('a failed order write releases the stock it reserved and answers 500 without a stored order', async () => {
    await db.pool.query("ALTER TABLE orders ADD CONSTRAINT test_refuse_erin CHECK (customer_id <> 'erin')");
    try {
      const before = await countRows(db.pool);
      const erin = { authorization: `Bearer ${await signDevToken(TEST_JWT_SECRET, 'erin')}` };
      const res = await post({ customerId: 'erin', items: [{ productId: 'prod_8', quantity: 2, price: 1 }] }, randomUUID(), erin);
      assert.equal(res.statusCode, 500);
      assert.deepEqual(res.json(), { error: 'internal_error', message: 'internal error' });
      const after = await countRows(db.pool);
      assert.deepEqual({ ...after, idempotency_keys: before.idempotency_keys }, before, 'nothing stored; the 5xx released its key');
      const truth = sim.state.truth();
      const last = truth.reservations.at(-1)!;
      assert.deepEqual({ status: last.status, items: last.items }, { status: 'released', items: [{ productId: 'prod_8', quantity: 2 }] });
    } finally {
      await db.pool.query('ALTER TABLE orders DROP CONSTRAINT test_refuse_erin');
    }
  });

  it('the 201 is stored under its Idempotency-Key in the order transaction: both commit, or neither', async () => {
    const key = randomUUID();
    const res = await post({ customerId: 'carol', items: [{ productId: 'prod_9', quantity: 1, price: 3 }] }, key);
    assert.equal(res.statusCode, 201, res.body);
    const stored = await db.pool.query('SELECT status, response_code, response_body, xmin = (SELECT xmin FROM orders WHERE id = $2) AS same_tx FROM idempotency_keys WHERE key = $1', [key, res.json().id]);
    assert.deepEqual(stored.rows[0], { status: 'done', response_code: 201, response_body: res.json(), same_tx: true });

    // A COMMIT that fails (deferred trigger) must leave no order and no stored response.
    await db.pool.query(`CREATE FUNCTION test_fail_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'commit refused'; END $$`);
    await db.pool.query(`CREATE CONSTRAINT TRIGGER test_fail_commit AFTER INSERT ON orders DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.customer_id = 'carol') EXECUTE FUNCTION test_fail_commit()`);
    try {
      const before = await countRows(db.pool);
      const failed = await post({ customerId: 'carol', items: [{ productId: 'prod_9', quantity: 1, price: 3 }] });
      assert.equal(failed.statusCode, 500, failed.body);
      assert.deepEqual(await countRows(db.pool), before, 'no order, event or idempotency key');
    } finally {
      await db.pool.query('DROP TRIGGER test_fail_commit ON orders; DROP FUNCTION test_fail_commit()');
    }
  });

  const placeAtOnce = async (n: number) => {
    const keys = Array.from({ length: n }, () => randomUUID());
    const responses = await Promise.all(keys.map((key) => post({ customerId: 'carol', items: [{ productId: 'prod_5', quantity: 1, price: 2 }] }, key)));
    return { keys, responses };
  };
  // Orders of `ids` whose stored 201 (under `keys`) committed in the order's own transaction, and how many commits they took.
  const committed = async (ids: string[], keys: string[]) =>
    (
      await db.pool.query<{ orders: number; commits: number; stored: number }>(
        `SELECT count(*)::int AS orders, count(DISTINCT o.xmin::text)::int AS commits,
                count(*) FILTER (WHERE k.status = 'done' AND k.xmin = o.xmin)::int AS stored
         FROM orders o JOIN idempotency_keys k ON k.key = ANY($2) AND k.response_body->>'id' = o.id::text
         WHERE o.id = ANY($1::uuid[])`,
        [ids, keys],
      )
    ).rows[0];

  it('orders arriving while earlier ones commit share the next commit (group commit), each with its own stored 201', async () => {
    // grace's orders wait at COMMIT on a lock the test holds, so both transaction slots stay busy
    // while forty more orders are reserved and queue for the next transaction.
    await db.pool.query(`CREATE FUNCTION test_hold_grace() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock_shared(4242); RETURN NULL; END $$`);
    await db.pool.query(`CREATE CONSTRAINT TRIGGER test_hold_grace AFTER INSERT ON orders DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.customer_id = 'grace') EXECUTE FUNCTION test_hold_grace()`);
    const holder = await db.pool.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(4242)');
      const grace = { authorization: `Bearer ${await signDevToken(TEST_JWT_SECRET, 'grace')}` };
      const waiting = async () => (await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).rows[0]?.n ?? 0;
      const held = [];
      for (const n of [1, 2]) {
        // One at a time: two at once could share one transaction and leave a slot free.
        held.push(post({ customerId: 'grace', items: [{ productId: 'prod_5', quantity: 1, price: 2 }] }, randomUUID(), grace));
        await waitFor(`${n} of grace’s transactions waiting at COMMIT`, async () => (await waiting()) === n);
      }
      const reserved = sim.state.truth().reservations.length;
      const placed = placeAtOnce(40);
      await waitFor('forty more orders reserved and queued', async () => sim.state.truth().reservations.length - reserved >= 40);
      await holder.query('SELECT pg_advisory_unlock(4242)');
      const [{ keys, responses }, graces] = await Promise.all([placed, Promise.all(held)]);
      assert.deepEqual([...graces, ...responses].map((r) => r.statusCode), [...graces, ...responses].map(() => 201));
      const c = await committed(responses.map((r) => r.json().id as string), keys);
      assert.equal(c?.orders, 40);
      assert.equal(c?.stored, 40, 'each order committed with its own stored 201');
      assert.ok((c?.commits ?? 40) <= 2, `forty orders queued behind busy commits took ${c?.commits} commits`);
    } finally {
      holder.release();
      await db.pool.query('DROP TRIGGER test_hold_grace ON orders; DROP FUNCTION test_hold_grace()');
    }
  });

  it('orders the database refuses at COMMIT fail alone; the orders sharing their transactions are placed', async () => {
    await db.pool.query(`CREATE FUNCTION test_refuse_frank() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'frank refused'; END $$`);
    await db.pool.query(`CREATE CONSTRAINT TRIGGER test_refuse_frank AFTER INSERT ON orders DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.customer_id = 'frank') EXECUTE FUNCTION test_refuse_frank()`);
    try {
      const frank = { authorization: `Bearer ${await signDevToken(TEST_JWT_SECRET, 'frank')}` };
      // Ten of frank's among forty others, all at once: some of them share a transaction.
      const [others, franks] = await Promise.all([placeAtOnce(40), Promise.all(Array.from({ length: 10 }, () => post({ customerId: 'frank', items: [{ productId: 'prod_5', quantity: 1, price: 2 }] }, randomUUID(), frank)))]);
      assert.deepEqual(franks.map((r) => r.statusCode), franks.map(() => 500));
      assert.deepEqual(others.responses.map((r) => r.statusCode), others.keys.map(() => 201));
      const c = await committed(others.responses.map((r) => r.json().id as string), others.keys);
      assert.deepEqual({ orders: c?.orders, stored: c?.stored }, { orders: 40, stored: 40 });
      assert.equal((await db.pool.query("SELECT count(*)::int AS n FROM orders WHERE customer_id = 'frank'")).rows[0]?.n, 0);
    } finally {
      await db.pool.query('DROP TRIGGER test_refuse_frank ON orders; DROP FUNCTION test_refuse_frank()');
    }
  });

  it('the order routes and their zod schemas are in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/openapi.json' })).json();
    const body = doc.paths['/api/orders'].post.requestBody.content['application/json'].schema;
    assert.deepEqual(body.required, ['customerId', 'items']);
    assert.equal(body.additionalProperties, false);
    assert.deepEqual(body.properties.items.items.properties.price.type, ['number', 'string']);
    assert.ok(doc.paths['/api/orders/{id}'].get.responses['200']);
    assert.ok(doc.paths['/api/metrics'].get);
  });

  it('end to end: an order placed over HTTP is Delivered with Shipped in its history (GET /api/orders/:id)', async () => {
    const workers = createOrderWorkers({ pool: db.pool, orders: { fulfillmentMinDelayMs: 10, fulfillmentMaxDelayMs: 30 }, pollIntervalMs: 20 });
    await workers.start();
    try {
      const created = await post({ customerId: 'carol', items: [{ productId: 'prod_7', quantity: 1, price: '12.50' }] });
      assert.equal(created.statusCode, 201);
      const id = created.json().id as string;
      const order = await waitFor('Delivered via the API', async () => {
        const res = await app.inject({ method: 'GET', url: `/api/orders/${id}`, headers: auth });
        return res.json().status === 'Delivered' ? res.json() : null;
      });
      assert.deepEqual(order.history.map((h: { from: string | null; to: string }) => `${h.from ?? '∅'}→${h.to}`), FULL_HISTORY);
      assert.equal(order.totalCents, '1250');
    } finally {
      await workers.stop();
    }
  });
});
