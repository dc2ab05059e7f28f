import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { useTestDb } from '../helpers/testResources.ts';
import { dailyRevenue, summarizeRevenue, verifyRevenueRollup, weeklyRevenue, type RevenueAmounts } from '../../src/revenue/index.ts';
import { applyOp, arbFilters, arbOp, arbPayment, CONNECTIONS } from './arbitraries.ts';
import { levelDisagreements } from './levels.ts';
import { loadPayments, referenceView, upsertPayments, type RefAmounts } from './reference.ts';

const amountsOf = (a: RevenueAmounts): RefAmounts => ({ amountCents: a.amountCents, refundedCents: a.refundedCents, netRevenueCents: a.netRevenueCents, count: a.count });

describe('revenue views (property)', () => {
  const db = useTestDb({ poolMax: 5 });

  it('after random writes and late updates, summary/daily/weekly equal an independent reference in every zone, currency and range', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbPayment, { minLength: 10, maxLength: 60, size: 'max' }), fc.array(arbOp, { minLength: 2, maxLength: 12, size: 'medium' }), fc.array(arbFilters, { minLength: 2, maxLength: 3 }), async (initial, ops, queries) => {
        await db.pool.query('TRUNCATE payments');
        await applyOp(db.pool, { type: 'upsert', rows: initial });
        for (const op of ops) await applyOp(db.pool, op);
        const payments = await loadPayments(db.pool);

        for (const f of queries) {
          const where = JSON.stringify(f);
          const summary = await summarizeRevenue(db.pool, f);
          const daily = await dailyRevenue(db.pool, f);
          const weekly = await weeklyRevenue(db.pool, f);
          const refDay = referenceView(payments, f, 'day');
          const refWeek = referenceView(payments, f, 'week');

          const total = { amountCents: summary.totalRevenueCents, refundedCents: summary.refundedCents, netRevenueCents: summary.netRevenueCents, count: summary.count };
          assert.deepEqual(total, refDay.total, `summary ${where}`);
          assert.deepEqual(daily.breakdown.map((b) => ({ start: b.date, ...amountsOf(b) })), refDay.buckets, `daily ${where}`);
          assert.deepEqual(weekly.breakdown.map((b) => ({ start: b.weekStartDate, ...amountsOf(b) })), refWeek.buckets, `weekly ${where}`);
          if (!f.connectionId) {
            // The per-source level (no connection filter) against the per-connection level summed over connections.
            let gross = 0n;
            let count = 0;
            for (const connectionId of [...CONNECTIONS.stripe, ...CONNECTIONS.hubspot]) {
              const one = await summarizeRevenue(db.pool, { ...f, connectionId });
              gross += BigInt(one.totalRevenueCents);
              count += one.count;
            }
            assert.deepEqual([String(gross), count], [summary.totalRevenueCents, summary.count], `levels agree ${where}`);
          }
          for (const view of [daily, weekly]) {
            assert.deepEqual({ amountCents: view.totalRevenueCents, refundedCents: view.refundedCents, netRevenueCents: view.netRevenueCents, count: view.count }, total, `totals agree ${where}`);
          }
        }
        assert.deepEqual(await verifyRevenueRollup(db.pool), [], 'rollup equals a recomputation from payments');
        assert.deepEqual(await levelDisagreements(db.pool), [], 'per-source level = per-connection level summed over connections');
      }),
      { numRuns: 45 },
    );
  });

  it('days that start at a skipped or repeated local midnight, or on a quarter hour, match the reference exactly', async () => {
    // [zone, UTC instant near which the local day starts]
    const edges: Array<[string, string]> = [
      ['Atlantic/Azores', '2026-10-25T00:00:00Z'], // 00:00–01:00 happens twice; the day starts at the first
      ['Atlantic/Azores', '2026-03-29T01:00:00Z'], // local midnight does not exist
      ['America/Havana', '2026-11-01T04:00:00Z'],
      ['America/Havana', '2026-03-08T05:00:00Z'],
      ['America/Santiago', '2026-04-05T03:00:00Z'],
      ['Australia/Lord_Howe', '2026-04-04T13:00:00Z'],
      ['Australia/Lord_Howe', '2026-10-03T13:30:00Z'],
      ['Asia/Kathmandu', '2026-06-14T18:15:00Z'],
      ['Pacific/Chatham', '2026-04-04T10:15:00Z'],
      ['America/New_York', '2026-03-08T05:00:00Z'],
      ['Europe/London', '2026-10-24T23:00:00Z'],
    ];
    for (const [timezone, near] of edges) {
      await db.pool.query('TRUNCATE payments');
      const t0 = new Date(near).getTime();
      const rows = Array.from({ length: 33 }, (_, i) => {
        const k = i - 16;
        // A charge just after each quarter-hour mark and one just before it, with distinct amounts.
        return [
          { source: 'stripe' as const, externalId: `a${i}`, kind: 'charge' as const, status: 'COLLECTED' as const, amountCents: BigInt(1 + i), refundedCents: 0n, currency: 'USD', occurredAt: new Date(t0 + k * 900_000) },
          { source: 'hubspot' as const, externalId: `b${i}`, kind: 'charge' as const, status: 'REFUNDED' as const, amountCents: BigInt(1000 * (1 + i)), refundedCents: BigInt(i), currency: 'USD', occurredAt: new Date(t0 + k * 900_000 - 1) },
        ];
      }).flat();
      await upsertPayments(db.pool, rows);
      const payments = await loadPayments(db.pool);
      const day = near.slice(0, 10);
      for (const f of [{ currency: 'USD', timezone }, { currency: 'USD', timezone, startDate: day, endDate: day }, { currency: 'USD', timezone, source: 'hubspot' as const, startDate: day }]) {
        const daily = await dailyRevenue(db.pool, f);
        const weekly = await weeklyRevenue(db.pool, f);
        assert.deepEqual(daily.breakdown.map((b) => ({ start: b.date, ...amountsOf(b) })), referenceView(payments, f, 'day').buckets, `daily ${JSON.stringify(f)}`);
        assert.deepEqual(weekly.breakdown.map((b) => ({ start: b.weekStartDate, ...amountsOf(b) })), referenceView(payments, f, 'week').buckets, `weekly ${JSON.stringify(f)}`);
        assert.equal((await summarizeRevenue(db.pool, f)).totalRevenueCents, referenceView(payments, f, 'total').total.amountCents);
      }
    }
  });

  it('unknown, pending and failed charges and refund rows never count; currencies are never added together', async () => {
    await db.pool.query('TRUNCATE payments');
    const at = new Date('2026-05-05T12:00:00Z');
    const base = { source: 'stripe' as const, kind: 'charge' as const, refundedCents: 0n, occurredAt: at };
    await upsertPayments(db.pool, [
      { ...base, externalId: 'usd', status: 'COLLECTED', amountCents: 1000n, currency: 'USD' },
      { ...base, externalId: 'eur', status: 'COLLECTED', amountCents: 700n, currency: 'EUR' },
      { ...base, externalId: 'unknown', status: 'UNKNOWN', amountCents: 5n, currency: 'USD' },
      { ...base, externalId: 'pending', status: 'PENDING', amountCents: 7n, currency: 'USD' },
      { ...base, externalId: 'failed', status: 'FAILED', amountCents: 9n, currency: 'USD' },
      { ...base, externalId: 'refunded', status: 'REFUNDED', amountCents: 300n, refundedCents: 300n, currency: 'USD' },
      { ...base, externalId: 'refund-row', kind: 'refund', status: 'COLLECTED', amountCents: 300n, currency: 'USD' },
    ]);
    const usd = await summarizeRevenue(db.pool, { currency: 'USD', timezone: 'UTC' });
    assert.deepEqual([usd.totalRevenueCents, usd.refundedCents, usd.netRevenueCents, usd.count], ['1300', '300', '1000', 2]);
    const eur = await dailyRevenue(db.pool, { currency: 'EUR', timezone: 'UTC' });
    assert.deepEqual(eur.breakdown, [{ date: '2026-05-05', amountCents: '700', refundedCents: '0', netRevenueCents: '700', count: 1 }]);
    assert.equal((await weeklyRevenue(db.pool, { currency: 'JPY', timezone: 'UTC' })).count, 0);
  });
});
