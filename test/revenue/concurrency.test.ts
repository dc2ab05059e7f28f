import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { useTestDb } from '../helpers/testResources.ts';
import { API_HEADERS, buildTestApp } from '../helpers/app.ts';
import type { App } from '../../src/http/index.ts';
import { withDbRetry, withTransaction } from '../../src/db/index.ts';
import { revenueRoutes, verifyRevenueRollup } from '../../src/revenue/index.ts';
import { applyOp, arbFilters, arbOp, arbPayment } from './arbitraries.ts';
import { levelDisagreements } from './levels.ts';
import { loadPayments, referenceView, upsertPayments, type RefFilters, type TestPayment } from './reference.ts';

interface Amounts { amountCents: string; refundedCents: string; netRevenueCents: string; count: number }
interface View extends Omit<Amounts, 'amountCents'> { totalRevenueCents: string; breakdown?: Amounts[] }

/** The breakdown of a response summed, to compare with its own total. */
function sumBreakdown(v: View): Amounts {
  const s = { gross: 0n, refunded: 0n, net: 0n, count: 0 };
  for (const b of v.breakdown ?? []) {
    s.gross += BigInt(b.amountCents);
    s.refunded += BigInt(b.refundedCents);
    s.net += BigInt(b.netRevenueCents);
    s.count += b.count;
  }
  return { amountCents: String(s.gross), refundedCents: String(s.refunded), netRevenueCents: String(s.net), count: s.count };
}
const totalOf = (v: View): Amounts => ({ amountCents: v.totalRevenueCents, refundedCents: v.refundedCents, netRevenueCents: v.netRevenueCents, count: v.count });
const query = (f: RefFilters) => new URLSearchParams(Object.entries(f).filter((e): e is [string, string] => e[1] !== undefined)).toString();

describe('revenue views under concurrent writes', () => {
  const db = useTestDb({ poolMax: 12 });
  let app: App;
  before(async () => {
    app = db.closeLater(await buildTestApp(db.pool));
    await app.register(revenueRoutes, { pool: db.pool });
    await app.ready();
  });

  it('no response ever disagrees with itself while writers commit; afterwards all views agree with each other and the reference', async () => {
    const WRITERS = 4;
    const TXS = 20;
    let retries = 0;
    let deadlocks = 0;
    let writing = true;
    const writer = async (w: number) => {
      for (let t = 0; t < TXS; t++) {
        // Each writer owns its payments (as one ingest processor owns its claimed records); rollup
        // rows are shared, since the instants cluster around the same hours.
        const own = (id: string) => `w${w}-${id}`;
        const batch = fc.sample(arbPayment, { numRuns: 25, seed: w * 1000 + t }).map((p) => ({ ...p, externalId: own(p.externalId) }));
        const ops = fc
          .sample(arbOp, { numRuns: 2, seed: w * 7919 + t })
          .map((op) => (op.type === 'upsert' ? { ...op, rows: op.rows.map((p) => ({ ...p, externalId: own(p.externalId) })) } : 'id' in op ? { ...op, id: own(op.id) } : op));
        await withDbRetry(
          () =>
            withTransaction(db.pool, async (tx) => {
              await applyOp(tx, { type: 'upsert', rows: batch });
              for (const op of ops) await applyOp(tx, op);
            }),
          {
            attempts: 20,
            baseMs: 5,
            maxMs: 100,
            onRetry: (err) => {
              retries++;
              if ((err as { code?: string }).code === '40P01') deadlocks++;
            },
          },
        );
      }
    };

    let checked = 0;
    const filters = fc.sample(arbFilters, { numRuns: 30, seed: 42 });
    const reader = async (r: number) => {
      for (let i = r; writing; i++) {
        const f = filters[i % filters.length] as RefFilters;
        for (const view of ['summary', 'daily', 'weekly']) {
          const res = await app.inject({ method: 'GET', url: `/metrics/revenue/${view}?${query(f)}`, headers: API_HEADERS });
          assert.equal(res.statusCode, 200, res.body);
          const body = res.json() as View;
          if (view !== 'summary') assert.deepEqual(sumBreakdown(body), totalOf(body), `${view} ${JSON.stringify(f)} buckets vs its own total`);
          checked++;
        }
      }
    };

    const readers = [0, 1, 2].map(reader);
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    writing = false;
    await Promise.all(readers);
    assert.ok(checked >= 3, `readers checked ${checked} responses while writers ran`);

    const payments = await loadPayments(db.pool);
    for (const f of filters.slice(0, 12)) {
      const qs = query(f);
      const [summary, daily, weekly] = await Promise.all(['summary', 'daily', 'weekly'].map(async (v) => (await app.inject({ method: 'GET', url: `/metrics/revenue/${v}?${qs}`, headers: API_HEADERS })).json() as View));
      const expected = referenceView(payments, f, 'total').total;
      for (const v of [summary, daily, weekly]) assert.deepEqual(totalOf(v as View), expected, `${qs} total`);
      assert.deepEqual(sumBreakdown(daily as View), expected);
      assert.deepEqual(sumBreakdown(weekly as View), expected);
      assert.deepEqual((daily as View).breakdown?.map((b) => (b as Amounts & { date: string }).date), referenceView(payments, f, 'day').buckets.map((b) => b.start));
    }
    assert.deepEqual(await verifyRevenueRollup(db.pool), []);
    assert.deepEqual(await levelDisagreements(db.pool), [], 'per-source level = per-connection level summed');
    // Writers share rollup rows but not payments: the rollup's commit-time, key-ordered flush
    // must never deadlock them (other transient errors are merely retried).
    assert.equal(deadlocks, 0, `deadlocks among writers (retries: ${retries})`);
  });

  it('writers of different connections of one source share only the per-source rows: no deadlock, both levels exact and in agreement', async () => {
    await db.pool.query('TRUNCATE payments');
    const HOURS = ['2026-03-01T10:05:00Z', '2026-03-01T11:20:00Z', '2026-03-02T10:35:00Z', '2026-03-02T23:50:00Z'];
    let deadlocks = 0;
    // Each writer is one connection (as one processor's batch is); every transaction writes the
    // same hot hours, in a different order per statement, so per-source rows are contended by all.
    const writer = async (w: number) => {
      for (let t = 0; t < 15; t++) {
        const rows = (shift: number) =>
          HOURS.map((_, i) => HOURS[(i + shift + w) % HOURS.length] as string).map((at, i): TestPayment => ({
            source: 'stripe', connectionId: `conn_hot_${w}`, externalId: `t${t}-${shift}-${i}`, kind: 'charge', status: 'COLLECTED', amountCents: BigInt(100 + w), refundedCents: 0n, currency: 'USD', occurredAt: new Date(at),
          }));
        await withDbRetry(
          () =>
            withTransaction(db.pool, async (tx) => {
              await upsertPayments(tx, rows(0));
              await upsertPayments(tx, rows(t + 1));
              // A late update moving one of this writer's charges to another hot hour.
              await tx.query(`UPDATE payments SET occurred_at = occurred_at + interval '1 hour' WHERE connection_id = $1 AND external_id = $2`, [`conn_hot_${w}`, `t${t}-0-0`]);
            }),
          { attempts: 20, baseMs: 5, maxMs: 100, onRetry: (err) => void ((err as { code?: string }).code === '40P01' && deadlocks++) },
        );
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
    assert.equal(deadlocks, 0, 'deadlocks among writers');
    assert.deepEqual(await verifyRevenueRollup(db.pool), []);
    assert.deepEqual(await levelDisagreements(db.pool), []);
    const payments = await loadPayments(db.pool);
    const f: RefFilters = { currency: 'USD', timezone: 'America/New_York', source: 'stripe' };
    const all = (await app.inject({ method: 'GET', url: `/metrics/revenue/daily?${query(f)}`, headers: API_HEADERS })).json() as View;
    assert.deepEqual(totalOf(all), referenceView(payments, f, 'total').total);
    assert.equal(all.count, 8 * 15 * 8);
  });

  it('a bulk upsert of 2000 rows through one statement stays exact', async () => {
    const rows = fc.sample(arbPayment, { numRuns: 2000, seed: 7 }).map((p, i) => ({ ...p, externalId: `bulk${i}` }));
    await upsertPayments(db.pool, rows);
    assert.deepEqual(await verifyRevenueRollup(db.pool), []);
    assert.deepEqual(await levelDisagreements(db.pool), []);
  });
});
