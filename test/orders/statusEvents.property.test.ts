import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { useTestDb } from '../helpers/testResources.ts';
import { withTransaction } from '../../src/db/index.ts';
import { applyStatusEvent, insertOrder, ORDER_STATUSES, statusRank, type OrderEvent, type OrderEventType, type OrderStatus } from '../../src/orders/index.ts';

const TYPE_STATUS: Record<OrderEventType, OrderStatus> = { 'order.created': 'Pending Shipment', 'order.shipped': 'Shipped', 'order.delivered': 'Delivered' };

// Distinct events, each delivered 1–3 times, in any order.
const deliveries = fc
  .array(fc.record({ type: fc.constantFrom<OrderEventType>('order.created', 'order.shipped', 'order.delivered'), copies: fc.integer({ min: 1, max: 3 }) }), { maxLength: 6 })
  .chain((events) => {
    const withIds = events.map((e) => ({ ...e, eventId: randomUUID() }));
    const sequence = withIds.flatMap((e) => Array.from({ length: e.copies }, () => e));
    return fc.shuffledSubarray(sequence, { minLength: sequence.length, maxLength: sequence.length }).map((shuffled) => ({ events: withIds, shuffled }));
  });

describe('status consumer: forward-only in SQL (property, real PostgreSQL)', () => {
  const db = useTestDb({ poolMax: 20 });

  it('shuffled and duplicated events, applied concurrently, never move an order backwards and end at the highest status seen', async () => {
    await fc.assert(
      fc.asyncProperty(deliveries, async ({ events, shuffled }) => {
        const order = await insertOrder(db.pool, randomUUID(), 'prop-customer', [{ productId: 'p', quantity: 1, priceCents: 100n }]);
        const outcomes = await Promise.all(
          shuffled.map((e) => {
            const event: OrderEvent = { kind: 'event', eventId: e.eventId, type: e.type, orderId: order.id, occurredAt: new Date().toISOString() };
            return withTransaction(db.pool, (tx) => applyStatusEvent(tx, event));
          }),
        );
        const { rows: [row] } = await db.pool.query<{ status: OrderStatus }>('SELECT status FROM orders WHERE id = $1', [order.id]);
        const expected = ORDER_STATUSES[Math.max(0, ...events.map((e) => statusRank(TYPE_STATUS[e.type])))];
        assert.equal(row!.status, expected, 'ends at the max status seen');

        const { rows: hist } = await db.pool.query<{ from_status: OrderStatus | null; to_status: OrderStatus; event_id: string }>(
          'SELECT from_status, to_status, event_id FROM order_status_history WHERE order_id = $1 ORDER BY id',
          [order.id],
        );
        for (let i = 1; i < hist.length; i++) {
          const h = hist[i]!;
          assert.ok(statusRank(h.to_status) > statusRank(h.from_status as OrderStatus), `forward only: ${h.from_status} → ${h.to_status}`);
          assert.equal(h.from_status, hist[i - 1]!.to_status, 'history is a chain');
        }
        assert.equal(hist.at(-1)!.to_status, expected);
        const ids = hist.slice(1).map((h) => h.event_id);
        assert.equal(new Set(ids).size, ids.length, 'no event applied twice');
        const duplicates = outcomes.filter((o) => o === 'duplicate').length;
        assert.equal(duplicates, shuffled.length - events.length, 'every repeated event id is recognised as a duplicate');
      }),
      { numRuns: 60 },
    );
  });
});
