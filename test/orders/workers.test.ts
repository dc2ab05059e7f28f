import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { useTestDb } from '../helpers/testResources.ts';
import { createOrderWorkers, FULFILLMENT_QUEUE, insertOrder, purgeProcessedEvents, STATUS_QUEUE, type OrderEvent } from '../../src/orders/index.ts';
import { enqueue, listDeadLetters, replayDeadLetter } from '../../src/queue/index.ts';
import { withTransaction } from '../../src/db/index.ts';
import { countRows, drain, FULL_HISTORY, historyOf, statusOf } from './support.ts';
import { waitFor } from '../helpers/waitFor.ts';

const LINES = [{ productId: 'prod_1', quantity: 2, priceCents: 1999n }];

describe('order consumers (fulfillment + status) on real PostgreSQL', () => {
  const db = useTestDb();

  it('an order goes Pending Shipment → Shipped → Delivered with each step in its history once', async () => {
    const workers = createOrderWorkers({ pool: db.pool, orders: { fulfillmentMinDelayMs: 20, fulfillmentMaxDelayMs: 60 }, pollIntervalMs: 20 });
    const order = await insertOrder(db.pool, randomUUID(), 'cust-a', LINES);
    assert.equal(order.status, 'Pending Shipment');
    await workers.start();
    try {
      await waitFor('Delivered', async () => (await statusOf(db.pool, order.id)) === 'Delivered');
    } finally {
      await workers.stop();
    }
    assert.deepEqual(await historyOf(db.pool, order.id), FULL_HISTORY);
    const counts = await countRows(db.pool);
    assert.equal(counts.jobs, 0, 'every event and step was acked');
    assert.equal(counts.dead, 0);
  });

  it('fulfillment schedules shipping as a delayed job (runAt in the 2–8 s window) instead of sleeping in a worker', async () => {
    const workers = createOrderWorkers({ pool: db.pool, orders: { fulfillmentMinDelayMs: 2000, fulfillmentMaxDelayMs: 8000 } });
    const order = await insertOrder(db.pool, randomUUID(), 'cust-b', LINES);
    const first = await workers.fulfillment.runOnce();
    assert.equal(first.processed, 1, 'order.created handled and acked at once');
    const { rows } = await db.pool.query<{ payload: { step: string; orderId: string }; delay_ms: number }>(
      `SELECT payload, extract(epoch FROM run_at - now()) * 1000 AS delay_ms FROM jobs WHERE queue = $1`,
      [FULFILLMENT_QUEUE],
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.payload.step, 'ship');
    assert.equal(rows[0]!.payload.orderId, order.id);
    assert.ok(rows[0]!.delay_ms > 1500 && rows[0]!.delay_ms <= 8000, `ship step due in ${rows[0]!.delay_ms} ms`);
    const second = await workers.fulfillment.runOnce();
    assert.equal(second.claimed, 0, 'nothing holds the worker while the parcel travels');
    assert.equal(await statusOf(db.pool, order.id), 'Pending Shipment');
    await db.pool.query('DELETE FROM jobs WHERE queue = $1', [FULFILLMENT_QUEUE]);
  });

  it('redelivered events (same event ids, any order) change nothing: no second shipment, no status or history change', async () => {
    const workers = createOrderWorkers({ pool: db.pool, orders: { fulfillmentMinDelayMs: 0, fulfillmentMaxDelayMs: 0 } });
    const order = await insertOrder(db.pool, randomUUID(), 'cust-c', LINES);
    const created = await db.pool.query<{ payload: OrderEvent }>('SELECT payload FROM jobs WHERE queue = $1', [FULFILLMENT_QUEUE]);
    const createdEvent = created.rows[0]!.payload;
    await drain([workers.fulfillment, workers.status], async () => (await statusOf(db.pool, order.id)) === 'Delivered');
    // Rebuild the delivered events from the history (same event ids as the consumers saw).
    const hist = await db.pool.query<{ event_id: string; to_status: string; at: Date }>('SELECT event_id, to_status, at FROM order_status_history WHERE order_id = $1 AND from_status IS NOT NULL ORDER BY id', [order.id]);
    const seen: OrderEvent[] = hist.rows.map((h) => ({ kind: 'event', eventId: h.event_id, type: h.to_status === 'Shipped' ? 'order.shipped' : 'order.delivered', orderId: order.id, occurredAt: h.at.toISOString() }));
    assert.deepEqual(seen.map((e) => e.type), ['order.shipped', 'order.delivered']);
    const before = await db.pool.query('SELECT * FROM order_status_history WHERE order_id = $1 ORDER BY id', [order.id]);
    const processedBefore = await db.pool.query('SELECT consumer, event_id FROM processed_events ORDER BY 1, 2');

    // Redeliver everything three times, newest first: what a relay crash between publish and ack produces.
    for (let round = 0; round < 3; round++) {
      await withTransaction(db.pool, async (tx) => {
        await enqueue(tx, FULFILLMENT_QUEUE, createdEvent);
        for (const e of [...seen].reverse()) await enqueue(tx, STATUS_QUEUE, e);
      });
      await drain([workers.fulfillment, workers.status], async () => (await countRows(db.pool)).jobs === 0);
    }
    const afterRows = await db.pool.query('SELECT * FROM order_status_history WHERE order_id = $1 ORDER BY id', [order.id]);
    assert.deepEqual(afterRows.rows, before.rows, 'history untouched');
    const processedAfter = await db.pool.query('SELECT consumer, event_id FROM processed_events ORDER BY 1, 2');
    assert.deepEqual(processedAfter.rows, processedBefore.rows, 'no new ship/deliver step ran and no event applied twice');
    assert.equal(await statusOf(db.pool, order.id), 'Delivered');
    assert.equal((await countRows(db.pool)).dead, 0);
  });

  it('an event for an unknown order goes to the DLQ at once; replayed once the order exists, it applies', async () => {
    const workers = createOrderWorkers({ pool: db.pool, orders: { fulfillmentMinDelayMs: 0, fulfillmentMaxDelayMs: 0 } });
    const orderId = randomUUID();
    const event: OrderEvent = { kind: 'event', eventId: randomUUID(), type: 'order.shipped', orderId, occurredAt: new Date().toISOString() };
    await enqueue(db.pool, STATUS_QUEUE, event, { dedupeKey: event.eventId });
    const r = await workers.status.runOnce();
    assert.equal(r.dead, 1);
    const { items } = await listDeadLetters(db.pool, { queue: STATUS_QUEUE });
    assert.equal(items.length, 1);
    assert.match(items[0]!.error.message, /does not exist/);

    await withTransaction(db.pool, async (tx) => {
      await tx.query("INSERT INTO orders (id, customer_id, total_cents) VALUES ($1, 'cust-d', 100)", [orderId]);
    });
    assert.equal((await replayDeadLetter(db.pool, items[0]!.id)).replayed, true);
    assert.equal((await workers.status.runOnce()).processed, 1);
    assert.equal(await statusOf(db.pool, orderId), 'Shipped');
  });

  it('a malformed payload is a permanent failure (DLQ at once, not 5 retries)', async () => {
    const workers = createOrderWorkers({ pool: db.pool, orders: { fulfillmentMinDelayMs: 0, fulfillmentMaxDelayMs: 0 } });
    await enqueue(db.pool, FULFILLMENT_QUEUE, { kind: 'event', type: 'order.created' });
    const r = await workers.fulfillment.runOnce();
    assert.deepEqual({ dead: r.dead, failed: r.failed }, { dead: 1, failed: 0 });
  });

  it('purgeProcessedEvents drops only records older than the retention', async () => {
    await db.pool.query("INSERT INTO processed_events (consumer, event_id, processed_at) VALUES ('test', gen_random_uuid(), now() - interval '40 days'), ('test', gen_random_uuid(), now() - interval '1 day')");
    assert.equal(await purgeProcessedEvents(db.pool, new Date(Date.now() - 30 * 86_400_000)), 1);
    const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM processed_events WHERE consumer = 'test'");
    assert.equal(rows[0]!.n, 1);
  });
});
