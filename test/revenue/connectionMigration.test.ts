import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import { MIGRATION_GLOB, migrate } from '../../src/db/index.ts';
import { summarizeRevenue, verifyRevenueRollup } from '../../src/revenue/index.ts';
import { upsertPayments, type TestPayment } from './reference.ts';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const MIGRATION = '1012_revenue_by_connection';

async function admin(sql: string): Promise<void> {
  const client = new pg.Client(process.env.BUFFALO_TEST_PG_URL);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const charge = (connectionId: string, externalId: string, amountCents: bigint): TestPayment => ({
  source: 'stripe', connectionId, externalId, kind: 'charge', status: 'COLLECTED', amountCents, refundedCents: 0n, currency: 'USD', occurredAt: new Date('2026-03-01T12:20:00Z'),
});

// The rollup as the migration found it, keyed by (currency, hour, source) only, compared with its
// expected view: rows that differ, either way.
const OLD_SHAPE_DRIFT = `
  SELECT (SELECT count(*) FROM ((SELECT * FROM revenue_rollup EXCEPT SELECT * FROM revenue_rollup_expected)
                                UNION ALL (SELECT * FROM revenue_rollup_expected EXCEPT SELECT * FROM revenue_rollup)) h)::int
       + (SELECT count(*) FROM ((SELECT * FROM revenue_rollup_daily EXCEPT SELECT * FROM revenue_rollup_daily_expected)
                                UNION ALL (SELECT * FROM revenue_rollup_daily_expected EXCEPT SELECT * FROM revenue_rollup_daily)) d)::int AS n`;

describe(`migration ${MIGRATION}`, () => {
  const name = `revconn_${randomBytes(5).toString('hex')}`;
  const url = (process.env.BUFFALO_TEST_PG_URL ?? '').replace(/\/[^/]*$/, `/${name}`);
  const before1012 = mkdtempSync(path.join(tmpdir(), 'buffalo-before-1012-'));
  let pool: pg.Pool;
  before(async () => {
    await admin(`CREATE DATABASE ${name}`);
    // Every module's migrations numbered below this one: the schema this migration upgrades.
    for (const dir of readdirSync(SRC).map((m) => path.join(SRC, m, 'migrations')).filter((d) => existsSync(d))) {
      for (const f of readdirSync(dir)) if (f.endsWith('.sql') && f < MIGRATION) copyFileSync(path.join(dir, f), path.join(before1012, f));
    }
    pool = new pg.Pool({ connectionString: url, max: 2 });
  });
  after(async () => {
    await pool?.end();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    rmSync(before1012, { recursive: true, force: true });
  });

  it('re-keys an existing rollup by connection from the stored payments, and its down migration restores the per-source rollup', async () => {
    const opts = { databaseUrl: url, migrationsTable: 'buffalo_migrations', singleTransaction: true, checkOrder: true, log: () => undefined } as const;
    await runner({ ...opts, dir: before1012, direction: 'up' });
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

    await runner({ ...opts, dir: MIGRATION_GLOB, useGlob: true, direction: 'down', count: applied.length });
    assert.equal((await pool.query<{ n: number }>(OLD_SHAPE_DRIFT)).rows[0]?.n, 0, 'rollup exact after down');
    await upsertPayments(pool, [charge('stripe-default', 'ch_3', 7n)]);
    assert.equal((await pool.query<{ n: number }>(OLD_SHAPE_DRIFT)).rows[0]?.n, 0, 'old triggers keep it exact');
    const { rows } = await pool.query<{ gross: string }>('SELECT sum(gross_15)::text AS gross FROM revenue_rollup');
    assert.equal(rows[0]?.gross, '412');

    assert.deepEqual(await migrate(url), applied);
    assert.deepEqual(await verifyRevenueRollup(pool), []);
    assert.deepEqual([await of(), await of('stripe-default'), await of('conn_acme')], ['412', '107', '305']);
  });
});
