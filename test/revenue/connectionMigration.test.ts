import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { migrate } from '../../src/db/index.ts';
import { databaseBefore, type DatabaseBefore } from '../helpers/databaseBefore.ts';
import { summarizeRevenue, verifyRevenueRollup } from '../../src/revenue/index.ts';
import { ROLLUP_DRIFT } from './levels.ts';
import { upsertPayments, type TestPayment } from './reference.ts';

const MIGRATION = '1012_revenue_by_connection';

const charge = (connectionId: string, externalId: string, amountCents: bigint): TestPayment => ({
  source: 'stripe', connectionId, externalId, kind: 'charge', status: 'COLLECTED', amountCents, refundedCents: 0n, currency: 'USD', occurredAt: new Date('2026-03-01T12:20:00Z'),
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

  it('re-keys an existing rollup by connection from the stored payments, and its down migration restores the per-source rollup', async () => {
    // Two accounts of one source holding the same charge id, written before the rollup knew connections.
    await upsertPayments(pool, [charge('stripe-default', 'ch_1', 100n), charge('conn_acme', 'ch_1', 250n), charge('conn_acme', 'ch_2', 5n)]);
    assert.deepEqual((await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM revenue_rollup')).rows[0]?.n, 1, 'one row for the source');

    // This migration and every one numbered after it (other modules' later migrations come along).
    const applied = await migrate(url);
    assert.equal(applied[0], MIGRATION);
    assert.deepEqual(await verifyRevenueRollup(pool), []);
    const of = async (connectionId?: string) => (await summarizeRevenue(pool, { currency: 'USD', timezone: 'UTC', ...(connectionId ? { connectionId } : {}) })).totalRevenueCents;
    assert.deepEqual([await of(), await of('stripe-default'), await of('conn_acme')], ['355', '100', '255']);

    // Writes after the migration go through the re-keyed triggers.
    await upsertPayments(pool, [charge('conn_acme', 'ch_1', 300n)]);
    assert.deepEqual(await verifyRevenueRollup(pool), []);

    await db.down(applied.length);
    assert.equal((await pool.query<{ n: number }>(ROLLUP_DRIFT)).rows[0]?.n, 0, 'rollup exact after down');
    await upsertPayments(pool, [charge('stripe-default', 'ch_3', 7n)]);
    assert.equal((await pool.query<{ n: number }>(ROLLUP_DRIFT)).rows[0]?.n, 0, 'old triggers keep it exact');
    const { rows } = await pool.query<{ gross: string }>('SELECT sum(gross_15)::text AS gross FROM revenue_rollup');
    assert.equal(rows[0]?.gross, '412');

    assert.deepEqual(await migrate(url), applied);
    assert.deepEqual(await verifyRevenueRollup(pool), []);
    assert.deepEqual([await of(), await of('stripe-default'), await of('conn_acme')], ['412', '107', '305']);
  });
});
