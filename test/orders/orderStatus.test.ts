import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyTransition, isForward, ORDER_STATUSES, statusRank, type OrderStatus } from '../../src/orders/index.ts';
import { createRequestWindow } from '../../src/orders/requestWindow.ts';

describe('order status state machine (pure)', () => {
  it('ranks Pending Shipment < Shipped < Delivered and only forward moves apply', () => {
    assert.deepEqual(ORDER_STATUSES.map(statusRank), [0, 1, 2]);
    assert.equal(isForward('Pending Shipment', 'Shipped'), true);
    assert.equal(isForward('Pending Shipment', 'Delivered'), true);
    assert.equal(isForward('Shipped', 'Shipped'), false);
    assert.equal(isForward('Delivered', 'Shipped'), false);
    assert.equal(applyTransition('Delivered', 'Pending Shipment'), 'Delivered');
  });

  it('property: any sequence of events ends at the highest status seen and never moves backwards', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<OrderStatus>(...ORDER_STATUSES), { maxLength: 30 }), (events) => {
        let status: OrderStatus = 'Pending Shipment';
        for (const e of events) {
          const next = applyTransition(status, e);
          assert.ok(statusRank(next) >= statusRank(status));
          status = next;
        }
        const max = Math.max(0, ...events.map(statusRank));
        assert.equal(statusRank(status), max);
      }),
    );
  });
});

describe('request window (/api/metrics)', () => {
  it('reports rate, nearest-rank percentiles and status counts of the last window only', () => {
    let t = 1_000_000;
    const w = createRequestWindow({ windowMs: 10_000, capacity: 1000, now: () => t });
    for (let i = 1; i <= 100; i++) w.record(i, i <= 90 ? 201 : 503);
    t += 10_000;
    const s = w.snapshot();
    assert.equal(s.requests, 100);
    assert.deepEqual(s.latencyMs, { p50: 50, p95: 95, p99: 99, max: 100 });
    assert.deepEqual(s.byStatus, { '201': 90, '503': 10 });
    assert.equal(s.ratePerS, 10);
    t += 1;
    assert.equal(w.snapshot().requests, 0, 'samples older than the window are dropped');
  });
});
