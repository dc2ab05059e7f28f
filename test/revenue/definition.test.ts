import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { countsAsRevenue, REVENUE_SQL_PREDICATE, REVENUE_STATUSES, verifyRevenueRollup } from '../../src/revenue/index.ts';
import { upsertPayments } from './reference.ts';

describe('revenue definition', () => {
  const db = useTestDb({ poolMax: 2 });

  it('the TypeScript rule and the SQL function the rollup trigger uses agree for every kind × status', async () => {
    const kinds = ['charge', 'refund', 'CHARGE', ''];
    const statuses = ['COLLECTED', 'PENDING', 'FAILED', 'REFUNDED', 'UNKNOWN', 'collected', 'succeeded', 'paid', ''];
    const { rows } = await db.pool.query<{ kind: string; status: string; counts: boolean }>(
      'SELECT k AS kind, s AS status, buffalo_counts_as_revenue(k, s) AS counts FROM unnest($1::text[]) k CROSS JOIN unnest($2::text[]) s',
      [kinds, statuses],
    );
    assert.equal(rows.length, kinds.length * statuses.length);
    for (const r of rows) assert.equal(r.counts, countsAsRevenue(r.kind, r.status), `${r.kind}/${r.status}`);
    assert.deepEqual(rows.filter((r) => r.counts).map((r) => `${r.kind}/${r.status}`).sort(), ['charge/COLLECTED', 'charge/REFUNDED']);
    assert.deepEqual([...REVENUE_STATUSES], ['COLLECTED', 'REFUNDED']);
  });

  it('a deleted payment never counts: the three-argument SQL function and the TypeScript rule agree for every kind × status × deleted', async () => {
    const kinds = ['charge', 'refund', ''];
    const statuses = ['COLLECTED', 'PENDING', 'FAILED', 'REFUNDED', 'UNKNOWN', ''];
    const deleted = [null, '2026-01-01T00:00:00Z'];
    const { rows } = await db.pool.query<{ kind: string; status: string; deleted_at: Date | null; counts: boolean }>(
      `SELECT k AS kind, s AS status, d AS deleted_at, buffalo_counts_as_revenue(k, s, d) AS counts
       FROM unnest($1::text[]) k CROSS JOIN unnest($2::text[]) s CROSS JOIN unnest($3::timestamptz[]) d`,
      [kinds, statuses, deleted],
    );
    assert.equal(rows.length, kinds.length * statuses.length * deleted.length);
    for (const r of rows) assert.equal(r.counts, countsAsRevenue(r.kind, r.status, r.deleted_at), `${r.kind}/${r.status}/${String(r.deleted_at)}`);
    assert.deepEqual(rows.filter((r) => r.counts).map((r) => `${r.kind}/${r.status}/${String(r.deleted_at)}`).sort(), ['charge/COLLECTED/null', 'charge/REFUNDED/null']);
  });

  it('REVENUE_SQL_PREDICATE selects exactly the counted payments', async () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const statuses = ['COLLECTED', 'PENDING', 'FAILED', 'REFUNDED', 'UNKNOWN'] as const;
    await upsertPayments(
      db.pool,
      statuses.flatMap((status) =>
        (['charge', 'refund'] as const).map((kind) => ({ source: 'stripe' as const, externalId: `${kind}-${status}`, kind, status, amountCents: 1n, refundedCents: 0n, currency: 'USD', occurredAt: at })),
      ),
    );
    const { rows } = await db.pool.query<{ external_id: string }>(`SELECT external_id FROM payments WHERE ${REVENUE_SQL_PREDICATE} ORDER BY 1`);
    assert.deepEqual(rows.map((r) => r.external_id), ['charge-COLLECTED', 'charge-REFUNDED']);
    // Marking one deleted takes it out of the predicate and, in the same transaction, out of the rollup.
    await db.pool.query("UPDATE payments SET deleted_at = now() WHERE external_id = 'charge-REFUNDED'");
    const after = await db.pool.query<{ external_id: string }>(`SELECT external_id FROM payments WHERE ${REVENUE_SQL_PREDICATE} ORDER BY 1`);
    assert.deepEqual(after.rows.map((r) => r.external_id), ['charge-COLLECTED']);
    assert.deepEqual(await verifyRevenueRollup(db.pool), []);
    const { rows: counted } = await db.pool.query<{ n: string }>('SELECT coalesce(sum(count_00 + count_15 + count_30 + count_45), 0)::text AS n FROM revenue_rollup');
    assert.equal(counted[0]!.n, '1');
    await db.pool.query("UPDATE payments SET deleted_at = NULL WHERE external_id = 'charge-REFUNDED'");
    assert.deepEqual(await verifyRevenueRollup(db.pool), []);
  });
});
