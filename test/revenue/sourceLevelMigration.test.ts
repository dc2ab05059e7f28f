import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { migrate } from '../../src/db/index.ts';
import { databaseBefore, type DatabaseBefore } from '../helpers/databaseBefore.ts';
import { dailyRevenue, summarizeRevenue, verifyRevenueRollup } from '../../src/revenue/index.ts';
import { levelDisagreements, ROLLUP_DRIFT } from './levels.ts';
import { loadPayments, referenceView, upsertPayments, type TestPayment } from './reference.ts';

const MIGRATION = '1016_revenue_per_source_level';

const charge = (source: TestPayment['source'], connectionId: string, externalId: string, amountCents: bigint, at = '2026-03-01T12:20:00Z'): TestPayment => ({
  source, connectionId, externalId, kind: 'charge', status: 'COLLECTED', amountCents, refundedCents: 0n, currency: 'USD', occurredAt: new Date(at),
});

describe(`migration ${MIGRATION}`, () => {
  let db: DatabaseBefore;
  let pool: pg.Pool;
  let url: string;
  before(async () => {
    db = await databaseBefore(MIGRATION);
    ({ pool, url } = db);
  });
  after(async () => {
    await db?.drop();
  });

  it('builds the per-source level from the stored payments, keeps both levels exact after, and its down migration restores 1012', async () => {
    // Several connections of both sources in the same hour, written while the rollup was per connection only.
    await upsertPayments(pool, [
      charge('stripe', 'stripe-default', 'ch_1', 100n),
      charge('stripe', 'conn_acme', 'ch_1', 250n),
      charge('stripe', 'conn_beta', 'ch_1', 40n, '2026-03-02T04:10:00Z'),
      charge('hubspot', 'hubspot-default', 'd_1', 5n),
    ]);
    assert.equal((await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM revenue_rollup')).rows[0]?.n, 4, 'one row per connection and hour');

    const applied = await migrate(url);
    assert.equal(applied[0], MIGRATION);
    assert.deepEqual(await verifyRevenueRollup(pool), []);
    assert.deepEqual(await levelDisagreements(pool), []);
    assert.deepEqual((await pool.query('SELECT source, gross_15::text FROM revenue_source_rollup ORDER BY hour_start, source')).rows, [
      { source: 'hubspot', gross_15: '5' },
      { source: 'stripe', gross_15: '350' },
      { source: 'stripe', gross_15: '0' },
    ]);
    const of = async (f: { source?: 'stripe' | 'hubspot'; connectionId?: string } = {}) => (await summarizeRevenue(pool, { currency: 'USD', timezone: 'America/New_York', ...f })).totalRevenueCents;
    assert.deepEqual([await of(), await of({ source: 'stripe' }), await of({ connectionId: 'conn_acme' }), await of({ source: 'stripe', connectionId: 'conn_beta' })], ['395', '390', '250', '40']);

    // Writes after the migration go through the two-level flush.
    await upsertPayments(pool, [charge('stripe', 'conn_acme', 'ch_1', 300n), charge('stripe', 'conn_gamma', 'ch_9', 1n, '2026-03-02T04:59:00Z')]);
    assert.deepEqual(await verifyRevenueRollup(pool), []);
    assert.deepEqual(await levelDisagreements(pool), []);
    const payments = await loadPayments(pool);
    for (const f of [{}, { source: 'stripe' as const }, { connectionId: 'conn_gamma' }]) {
      const q = { currency: 'USD', timezone: 'America/New_York', ...f };
      assert.deepEqual((await dailyRevenue(pool, q)).breakdown.map((b) => [b.date, b.amountCents, b.count]), referenceView(payments, q, 'day').buckets.map((b) => [b.start, b.amountCents, b.count]), JSON.stringify(f));
    }

    await db.down(applied.length);
    assert.equal((await pool.query(`SELECT to_regclass('revenue_source_rollup') AS t`)).rows[0]?.t, null, 'per-source level dropped');
    assert.ok((await pool.query(`SELECT to_regclass('revenue_rollup_connection') AS t`)).rows[0]?.t, '1012 index back');
    assert.equal((await pool.query<{ n: number }>(ROLLUP_DRIFT)).rows[0]?.n, 0, 'per-connection rollup exact after down');
    await upsertPayments(pool, [charge('stripe', 'stripe-default', 'ch_3', 7n)]);
    assert.equal((await pool.query<{ n: number }>(ROLLUP_DRIFT)).rows[0]?.n, 0, '1012 flush keeps it exact');

    assert.deepEqual(await migrate(url), applied);
    assert.deepEqual(await verifyRevenueRollup(pool), []);
    assert.deepEqual(await levelDisagreements(pool), []);
    assert.deepEqual([await of(), await of({ source: 'stripe' }), await of({ connectionId: 'stripe-default' })], ['453', '448', '107']);
  });
});
