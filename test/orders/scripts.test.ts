import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import type { App } from '../../src/http/index.ts';
import { createOrderWorkers, type OrderWorkers } from '../../src/orders/index.ts';
import { startInventorySimulator } from '../../src/sandbox/inventory/index.ts';
import { buildOrderApp, countRows, FULL_HISTORY, TEST_JWT_SECRET } from './support.ts';
import { scriptOrder, scriptPeakHours } from '../../src/cli/index.ts';

describe('order scripts against a listening API (script:order, script:peak-hours)', () => {
  const db = useTestDb({ poolMax: 30 });
  let app: App;
  let sim: Awaited<ReturnType<typeof startInventorySimulator>>;
  let workers: OrderWorkers;
  let baseUrl: string;
  before(async () => {
    sim = db.closeLater(await startInventorySimulator({ port: 0, faults: { errorRate: 0 } }));
    app = db.closeLater(await buildOrderApp(db.pool, sim.url));
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    workers = createOrderWorkers({ pool: db.pool, orders: { fulfillmentMinDelayMs: 10, fulfillmentMaxDelayMs: 30 }, pollIntervalMs: 20 });
    db.onClose(() => workers.stop());
    await workers.start();
  });

  it('scriptOrder places one order with a fresh dev token and follows it to Delivered, printing the history', async () => {
    const lines: string[] = [];
    const result = await scriptOrder({ baseUrl, jwtSecret: TEST_JWT_SECRET, pollMs: 20, timeoutMs: 10_000, out: (l) => lines.push(l) });
    assert.equal(result.finalStatus, 'Delivered');
    assert.deepEqual(result.history.map((h) => `${h.from ?? '∅'}→${h.to}`), FULL_HISTORY);
    assert.ok(lines.some((l) => l.startsWith('created order ')), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes('Shipped → Delivered')), lines.join('\n'));
  });

  it('scriptPeakHours sends N requests with unique keys and reports throughput, percentiles, success rate and statuses', async () => {
    const before = await countRows(db.pool);
    const lines: string[] = [];
    const report = await scriptPeakHours({ baseUrl, jwtSecret: TEST_JWT_SECRET, requests: 150, concurrency: 15, out: (l) => lines.push(l) });
    assert.equal(report.requests, 150);
    const total = Object.values(report.byStatus).reduce((a, b) => a + b, 0);
    assert.equal(total, 150);
    assert.ok(Object.keys(report.byStatus).every((s) => s === '201' || s === '409'), JSON.stringify(report.byStatus));
    assert.equal((await countRows(db.pool)).orders - before.orders, report.byStatus['201'] ?? 0, 'every 201 is one stored order');
    assert.ok(report.latencyMs.p99 >= report.latencyMs.p50);
    assert.equal(report.breakerState, 'closed');
    for (const label of ['throughput', 'latency', 'success rate', 'status codes', 'breaker']) assert.ok(lines.some((l) => l.startsWith(label)), label);
  });
});
