import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { API_HEADERS, buildTestApp } from '../helpers/app.ts';
import type { App } from '../../src/http/index.ts';
import { revenueRoutes } from '../../src/revenue/index.ts';
import { upsertPayments, type TestPayment } from './reference.ts';

const pay = (externalId: string, occurredAt: string, amountCents: bigint, more: Partial<TestPayment> = {}): TestPayment => ({
  source: 'stripe', externalId, kind: 'charge', status: 'COLLECTED', amountCents, refundedCents: 0n, currency: 'USD', occurredAt: new Date(occurredAt), ...more,
});

describe('revenue routes', () => {
  const db = useTestDb({ poolMax: 4 });
  let app: App;
  before(async () => {
    app = db.closeLater(await buildTestApp(db.pool));
    await app.register(revenueRoutes, { pool: db.pool });
    await app.ready();
    await upsertPayments(db.pool, [
      pay('a', '2026-06-15T10:00:00Z', 54_900n),
      pay('b', '2026-06-16T23:30:00Z', 9_900n, { source: 'hubspot' }),
      pay('c', '2026-06-17T01:00:00Z', 18_000n, { status: 'REFUNDED', refundedCents: 18_000n }),
      pay('d', '2026-06-17T02:00:00Z', 777n, { status: 'UNKNOWN' }),
      pay('e', '2026-06-17T03:00:00Z', 5_000n, { currency: 'EUR' }),
    ]);
  });

  const get = (url: string, headers: Record<string, string> = API_HEADERS) => app.inject({ method: 'GET', url, headers });

  it('require X-Api-Key', async () => {
    for (const view of ['summary', 'daily', 'weekly']) assert.equal((await get(`/metrics/revenue/${view}`, {})).statusCode, 401);
  });

  it('summary answers with refunded, net and timezone, echoing filters (absent ones as null)', async () => {
    const res = await get('/metrics/revenue/summary?startDate=2026-06-15&endDate=2026-06-18');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), {
      totalRevenueCents: '82800', refundedCents: '18000', netRevenueCents: '64800', count: 3,
      currency: 'USD', timezone: 'UTC', startDate: '2026-06-15', endDate: '2026-06-18', source: null, connectionId: null,
    });
  });

  it('daily and weekly break the same total down by local day and Monday-started week', async () => {
    const daily = (await get('/metrics/revenue/daily?timezone=America/New_York')).json();
    assert.deepEqual(daily.breakdown, [
      { date: '2026-06-15', amountCents: '54900', refundedCents: '0', netRevenueCents: '54900', count: 1 },
      { date: '2026-06-16', amountCents: '27900', refundedCents: '18000', netRevenueCents: '9900', count: 2 },
    ]);
    assert.equal(daily.totalRevenueCents, '82800');
    assert.equal(daily.startDate, null);
    const weekly = (await get('/metrics/revenue/weekly?source=hubspot')).json();
    assert.deepEqual(weekly.breakdown, [{ weekStartDate: '2026-06-15', amountCents: '9900', refundedCents: '0', netRevenueCents: '9900', count: 1 }]);
    assert.equal(weekly.source, 'hubspot');
    const eur = (await get('/metrics/revenue/summary?currency=EUR')).json();
    assert.deepEqual([eur.totalRevenueCents, eur.count, eur.currency], ['5000', 1, 'EUR']);
  });

  it('reject bad input with 400 validation_failed naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['startDate=2026-13-01', 'startDate'],
      ['startDate=2026-02-30', 'startDate'],
      ['endDate=yesterday', 'endDate'],
      ['endDate=2026-6-1', 'endDate'],
      ['startDate=2026-06-18&endDate=2026-06-15', 'startDate'],
      ['source=paypal', 'source'],
      ['connectionId=Stripe%20Default', 'connectionId'],
      ['connectionId=', 'connectionId'],
      ['currency=usd', 'currency'],
      ['currency=DOLLARS', 'currency'],
      ['timezone=Mars/Olympus_Mons', 'timezone'],
      ['timezone=%2B05:30', 'timezone'],
    ];
    for (const [qs, field] of cases) {
      for (const view of ['summary', 'daily', 'weekly']) {
        const res = await get(`/metrics/revenue/${view}?${qs}`);
        assert.equal(res.statusCode, 400, `${view}?${qs}`);
        const body = res.json();
        assert.equal(body.error, 'validation_failed', qs);
        assert.equal(body.field, field, `${qs}: ${JSON.stringify(body)}`);
        assert.match(body.message, new RegExp(field));
      }
    }
  });

  it('appear in the OpenAPI document', async () => {
    const doc = (await get('/docs/openapi.json')).json();
    for (const view of ['summary', 'daily', 'weekly']) assert.ok(doc.paths[`/metrics/revenue/${view}`]?.get, view);
  });
});
