import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { useTestDb } from '../helpers/testResources.ts';
import { rebuildRevenueRollup, summarizeRevenue, verifyRevenueRollup } from '../../src/revenue/index.ts';
import { applyOp, arbOp } from './arbitraries.ts';
import { levelDisagreements } from './levels.ts';
import { upsertPayments, type TestPayment } from './reference.ts';

const charge = (externalId: string, occurredAt: string, amountCents = 100n): TestPayment => ({
  source: 'stripe', externalId, kind: 'charge', status: 'COLLECTED', amountCents, refundedCents: 0n, currency: 'USD', occurredAt: new Date(occurredAt),
});

describe('revenue rollup', () => {
  const db = useTestDb({ poolMax: 4 });

  it('equals a full recomputation from payments after any sequence of inserts, upserts, updates and deletes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbOp, { minLength: 5, maxLength: 25, size: 'max' }), async (ops) => {
        await db.pool.query('TRUNCATE payments');
        for (const op of ops) await applyOp(db.pool, op);
        assert.deepEqual(await verifyRevenueRollup(db.pool), []);
        assert.deepEqual(await levelDisagreements(db.pool), []);
      }),
      { numRuns: 30 },
    );
  });

  it('a 500-row batch upsert writes each rollup row once, and re-upserting identical data writes none', async () => {
    await db.pool.query('TRUNCATE payments');
    const batch = Array.from({ length: 500 }, (_, i) => charge(`b${i}`, `2026-02-0${1 + (i % 3)}T10:${String(i % 60).padStart(2, '0')}:00Z`));
    const client = await db.pool.connect();
    try {
      // Cumulative row writes to the rollup, with this backend's pending statistics flushed first.
      const rollupWrites = async () => {
        await client.query('SELECT pg_stat_force_next_flush()');
        await client.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await client.query<{ n: string }>("SELECT sum(n_tup_ins + n_tup_upd)::text AS n FROM pg_stat_user_tables WHERE relname IN ('revenue_rollup', 'revenue_rollup_daily', 'revenue_source_rollup', 'revenue_source_rollup_daily')");
        return Number(rows[0]?.n);
      };
      const w0 = await rollupWrites();
      await upsertPayments(client, batch);
      const w1 = await rollupWrites();
      assert.equal(w1 - w0, 12, 'three hours on three days touched: three hourly and three daily rows written per level');
      await upsertPayments(client, batch);
      assert.equal((await rollupWrites()) - w1, 0, 'nothing changed, nothing written (no rollup row locked)');
    } finally {
      client.release();
    }
    assert.equal((await summarizeRevenue(db.pool, { currency: 'USD', timezone: 'UTC' })).count, 500);
  });

  it('TRUNCATE of payments empties the rollup', async () => {
    await upsertPayments(db.pool, [charge('t1', '2026-02-01T00:00:00Z')]);
    await db.pool.query('TRUNCATE payments');
    const { rows } = await db.pool.query('SELECT 1 FROM revenue_rollup UNION ALL SELECT 1 FROM revenue_rollup_daily UNION ALL SELECT 1 FROM revenue_source_rollup UNION ALL SELECT 1 FROM revenue_source_rollup_daily');
    assert.equal(rows.length, 0);
  });

  it('verifyRevenueRollup reports drift and rebuildRevenueRollup repairs it', async () => {
    await db.pool.query('TRUNCATE payments');
    await upsertPayments(db.pool, [charge('d1', '2026-02-01T00:20:00Z', 250n), charge('d2', '2026-02-01T05:00:00Z', 50n)]);
    await db.pool.query(`UPDATE revenue_rollup SET gross_15 = gross_15 + 1 WHERE hour_start = '2026-02-01T00:00:00Z'`);
    await db.pool.query(`DELETE FROM revenue_rollup WHERE hour_start = '2026-02-01T05:00:00Z'`);
    await db.pool.query(`UPDATE revenue_rollup_daily SET charge_count[24] = 7`);
    const drift = await verifyRevenueRollup(db.pool);
    assert.deepEqual(drift.map((d) => [d.table, d.start, d.stored, d.expected]), [
      // Only the per-connection level was tampered with: the per-source level stays exact.
      ['revenue_rollup', '2026-02-01T00:00:00Z', '0,251,0,0,0,0,0,0,0,1,0,0', '0,250,0,0,0,0,0,0,0,1,0,0'],
      ['revenue_rollup', '2026-02-01T05:00:00Z', 'missing', '50,0,0,0,0,0,0,0,1,0,0,0'],
      [
        'revenue_rollup_daily',
        '2026-02-01T00:00:00Z',
        `{${[250, 250, 250, 250, 250, 300, ...Array(18).fill(300)]}},{${Array(24).fill(0)}},{${[1, 1, 1, 1, 1, 2, ...Array(17).fill(2), 7]}}`,
        `{${[250, 250, 250, 250, 250, 300, ...Array(18).fill(300)]}},{${Array(24).fill(0)}},{${[1, 1, 1, 1, 1, 2, ...Array(18).fill(2)]}}`,
      ],
    ]);
    await rebuildRevenueRollup(db.pool);
    assert.deepEqual(await verifyRevenueRollup(db.pool), []);
    assert.equal((await summarizeRevenue(db.pool, { currency: 'USD', timezone: 'UTC' })).totalRevenueCents, '300');
  });
});
