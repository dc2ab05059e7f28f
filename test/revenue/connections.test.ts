import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { API_HEADERS, buildTestApp } from '../helpers/app.ts';
import type { App } from '../../src/http/index.ts';
import { dailyRevenue, rebuildRevenueRollup, revenueRoutes, summarizeRevenue, verifyRevenueRollup, weeklyRevenue, type RevenueSummary } from '../../src/revenue/index.ts';
import { levelDisagreements } from './levels.ts';
import { connectionOf, loadPayments, referenceView, upsertPayments, type RefAmounts, type RefFilters, type TestPayment } from './reference.ts';

const pay = (connectionId: string, externalId: string, occurredAt: string, amountCents: bigint, more: Partial<TestPayment> = {}): TestPayment => ({
  source: 'stripe', connectionId, externalId, kind: 'charge', status: 'COLLECTED', amountCents, refundedCents: 0n, currency: 'USD', occurredAt: new Date(occurredAt), ...more,
});

// Two Stripe accounts holding the same charge ids with different amounts, and one HubSpot portal.
const PAYMENTS: TestPayment[] = [
  pay('stripe-default', 'ch_1', '2026-06-15T10:00:00Z', 10_000n),
  pay('conn_acme', 'ch_1', '2026-06-15T10:05:00Z', 20_000n),
  pay('stripe-default', 'ch_2', '2026-06-16T23:50:00Z', 3_000n, { status: 'REFUNDED', refundedCents: 1_000n }),
  pay('conn_acme', 'ch_2', '2026-06-22T03:15:00Z', 7_000n),
  pay('conn_acme', 'ch_3', '2026-06-22T03:20:00Z', 5n, { status: 'PENDING' }),
  pay('hubspot-default', 'ch_1', '2026-06-15T10:10:00Z', 400n, { source: 'hubspot' }),
];

const totalOf = (v: RevenueSummary): RefAmounts => ({ amountCents: v.totalRevenueCents, refundedCents: v.refundedCents, netRevenueCents: v.netRevenueCents, count: v.count });
const bucketsOf = (b: Array<RefAmounts & ({ date: string } | { weekStartDate: string })>) =>
  b.map((x) => ({ start: 'date' in x ? x.date : x.weekStartDate, amountCents: x.amountCents, refundedCents: x.refundedCents, netRevenueCents: x.netRevenueCents, count: x.count }));

describe('revenue by connection', () => {
  const db = useTestDb({ poolMax: 4 });
  let app: App;
  before(async () => {
    app = db.closeLater(await buildTestApp(db.pool));
    await app.register(revenueRoutes, { pool: db.pool });
    await app.ready();
  });

  const reset = async () => {
    await db.pool.query('TRUNCATE payments');
    await upsertPayments(db.pool, PAYMENTS);
  };

  it('two accounts of one source with the same external ids: the three views agree per connection, per source and in total', async () => {
    await reset();
    const payments = await loadPayments(db.pool);
    assert.equal(payments.length, PAYMENTS.length, 'both ch_1 rows are stored');
    const scopes: Array<Partial<RefFilters>> = [{}, { source: 'stripe' }, { connectionId: 'stripe-default' }, { connectionId: 'conn_acme' }, { connectionId: 'hubspot-default' }, { source: 'stripe', connectionId: 'conn_acme' }];
    for (const timezone of ['UTC', 'America/New_York', 'Asia/Kathmandu']) {
      for (const scope of scopes) {
        const f: RefFilters = { currency: 'USD', timezone, ...scope };
        const where = JSON.stringify(f);
        const [summary, daily, weekly] = [await summarizeRevenue(db.pool, f), await dailyRevenue(db.pool, f), await weeklyRevenue(db.pool, f)];
        const expected = referenceView(payments, f, 'day');
        for (const v of [summary, daily, weekly]) {
          assert.deepEqual(totalOf(v), expected.total, `total ${where}`);
          assert.equal(v.connectionId, f.connectionId ?? null, `echo ${where}`);
        }
        assert.deepEqual(bucketsOf(daily.breakdown), expected.buckets, `daily ${where}`);
        assert.deepEqual(bucketsOf(weekly.breakdown), referenceView(payments, f, 'week').buckets, `weekly ${where}`);
      }
    }
    // The connections partition the total: no payment is counted twice or lost.
    const all = await summarizeRevenue(db.pool, { currency: 'USD', timezone: 'UTC' });
    let sum = 0n;
    for (const connectionId of ['stripe-default', 'conn_acme', 'hubspot-default']) sum += BigInt((await summarizeRevenue(db.pool, { currency: 'USD', timezone: 'UTC', connectionId })).totalRevenueCents);
    assert.equal(String(sum), all.totalRevenueCents);
    assert.equal(all.totalRevenueCents, '40400');
  });

  it('the connectionId filter returns only that account; an unknown id or a connection of another source is zero, not an error', async () => {
    await reset();
    const get = async (url: string) => {
      const res = await app.inject({ method: 'GET', url, headers: API_HEADERS });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    const acme = await get('/metrics/revenue/daily?connectionId=conn_acme');
    assert.deepEqual([acme.totalRevenueCents, acme.count, acme.connectionId, acme.source], ['27000', 2, 'conn_acme', null]);
    assert.deepEqual(acme.breakdown.map((b: { date: string; amountCents: string }) => [b.date, b.amountCents]), [['2026-06-15', '20000'], ['2026-06-22', '7000']]);
    const weekly = await get('/metrics/revenue/weekly?connectionId=stripe-default&timezone=America/New_York');
    assert.deepEqual(weekly.breakdown.map((b: { weekStartDate: string; amountCents: string; refundedCents: string }) => [b.weekStartDate, b.amountCents, b.refundedCents]), [['2026-06-15', '13000', '1000']]);
    for (const qs of ['connectionId=conn_nobody', 'connectionId=hubspot-default&source=stripe']) {
      for (const view of ['summary', 'daily', 'weekly']) {
        const body = await get(`/metrics/revenue/${view}?${qs}`);
        assert.deepEqual([body.totalRevenueCents, body.refundedCents, body.netRevenueCents, body.count], ['0', '0', '0', 0], `${view}?${qs}`);
        assert.equal(body.connectionId, new URLSearchParams(qs).get('connectionId'));
        if (view !== 'summary') assert.deepEqual(body.breakdown, []);
      }
    }
  });

  it('a payment moved to another connection leaves both connections exact (ingestion never does it, an operator might)', async () => {
    await reset();
    await db.pool.query(`UPDATE payments SET connection_id = 'conn_other' WHERE connection_id = 'conn_acme' AND external_id = 'ch_2'`);
    const payments = await loadPayments(db.pool);
    assert.ok(payments.some((p) => connectionOf(p) === 'conn_other'));
    for (const connectionId of ['conn_acme', 'conn_other']) {
      const f = { currency: 'USD', timezone: 'UTC', connectionId };
      assert.deepEqual(totalOf(await summarizeRevenue(db.pool, f)), referenceView(payments, f, 'total').total, connectionId);
    }
    assert.deepEqual(await verifyRevenueRollup(db.pool), []);
  });

  it('verify names the drifting connection and rebuild restores every connection exactly', async () => {
    await reset();
    await db.pool.query(`UPDATE revenue_rollup SET gross_00 = gross_00 + 1 WHERE connection_id = 'conn_acme' AND hour_start = '2026-06-15T10:00:00Z'`);
    await db.pool.query(`DELETE FROM revenue_rollup_daily WHERE connection_id = 'stripe-default' AND day_start = '2026-06-16T00:00:00Z'`);
    const drift = await verifyRevenueRollup(db.pool);
    assert.deepEqual(drift.map((d) => [d.level, d.table, d.source, d.connectionId, d.start, d.stored === 'missing']), [
      ['connection', 'revenue_rollup', 'stripe', 'conn_acme', '2026-06-15T10:00:00Z', false],
      ['connection', 'revenue_rollup_daily', 'stripe', 'stripe-default', '2026-06-16T00:00:00Z', true],
    ]);
    const { rows } = await rebuildRevenueRollup(db.pool);
    // Per connection, hourly: stripe-default 10:00 and 23:00, conn_acme 10:00 and 03:00, hubspot 10:00;
    // daily: one per connection and day. Per source: stripe 10:00, 23:00, 03:00, hubspot 10:00; one per source and day.
    assert.equal(rows, 5 + 5 + 4 + 4);
    assert.deepEqual(await verifyRevenueRollup(db.pool), []);
    const payments = await loadPayments(db.pool);
    for (const connectionId of ['stripe-default', 'conn_acme', 'hubspot-default']) {
      const f = { currency: 'USD', timezone: 'UTC', connectionId };
      assert.deepEqual(bucketsOf((await dailyRevenue(db.pool, f)).breakdown), referenceView(payments, f, 'day').buckets, connectionId);
    }
    assert.deepEqual(await levelDisagreements(db.pool), []);
  });

  it('verify names the drifting source on the per-source level, and rebuild restores it', async () => {
    await reset();
    await db.pool.query(`UPDATE revenue_source_rollup SET count_00 = count_00 + 1 WHERE source = 'hubspot' AND hour_start = '2026-06-15T10:00:00Z'`);
    await db.pool.query(`DELETE FROM revenue_source_rollup_daily WHERE source = 'stripe' AND day_start = '2026-06-22T00:00:00Z'`);
    const drift = await verifyRevenueRollup(db.pool);
    assert.deepEqual(drift.map((d) => [d.level, d.table, d.source, d.connectionId, d.start, d.stored === 'missing']), [
      ['source', 'revenue_source_rollup', 'hubspot', null, '2026-06-15T10:00:00Z', false],
      ['source', 'revenue_source_rollup_daily', 'stripe', null, '2026-06-22T00:00:00Z', true],
    ]);
    // The levels disagree too: hubspot's hour, and stripe's missing day from hour 4 (its first charge, 03:15) to 24.
    assert.deepEqual((await levelDisagreements(db.pool)).map((d) => `${d.level} ${d.source} ${d.at}`), [
      'hourly hubspot 2026-06-15T10:00',
      ...Array.from({ length: 21 }, (_, i) => `daily stripe 2026-06-22[${i + 4}]`),
    ]);
    await rebuildRevenueRollup(db.pool);
    assert.deepEqual(await verifyRevenueRollup(db.pool), []);
    assert.deepEqual(await levelDisagreements(db.pool), []);
    const f = { currency: 'USD', timezone: 'UTC', source: 'stripe' as const };
    assert.deepEqual(bucketsOf((await dailyRevenue(db.pool, f)).breakdown), referenceView(await loadPayments(db.pool), f, 'day').buckets);
  });
});
