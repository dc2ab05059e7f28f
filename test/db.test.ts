import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from './helpers/testResources.ts';
import { isTransientDbError, withDbRetry, withTransaction } from '../src/db/index.ts';

describe('db', () => {
  const db = useTestDb();

  it('the cloned database has every migration applied', async () => {
    const { rows } = await db.pool.query<{ name: string }>('SELECT name FROM buffalo_migrations ORDER BY run_on, id');
    assert.ok(rows.some((r) => r.name === '0010_idempotency'), `applied: ${rows.map((r) => r.name).join(', ')}`);
  });

  it('withTransaction rolls back everything when the callback throws', async () => {
    await db.pool.query('CREATE TABLE tx_probe (id int)');
    await assert.rejects(
      withTransaction(db.pool, async (c) => {
        await c.query('INSERT INTO tx_probe VALUES (1)');
        throw new Error('boom');
      }),
      /boom/,
    );
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM tx_probe');
    assert.equal(rows[0].n, 0);
  });

  it('withTransaction pipelines BEGIN and alongCommit statements yet keeps them in the one transaction', async () => {
    await db.pool.query('CREATE TABLE tx_pipe (id int PRIMARY KEY, tx bigint)');
    const ids = await withTransaction(db.pool, async (c, ctx) => {
      // Issued without awaiting: all of these go out together on the pipelined connection.
      const a = c.query('INSERT INTO tx_pipe VALUES (1, txid_current())');
      const b = c.query('INSERT INTO tx_pipe VALUES (2, txid_current())');
      await Promise.all([a, b]);
      ctx.alongCommit(c.query('INSERT INTO tx_pipe VALUES (3, txid_current())'));
      return 'done';
    });
    assert.equal(ids, 'done');
    const { rows } = await db.pool.query<{ n: number; txs: number }>('SELECT count(*)::int AS n, count(DISTINCT tx)::int AS txs FROM tx_pipe');
    assert.deepEqual(rows[0], { n: 3, txs: 1 }, 'three rows, one transaction');
  });

  it('a failed alongCommit statement rolls the whole transaction back and throws its error', async () => {
    await db.pool.query('CREATE TABLE tx_along (id int PRIMARY KEY)');
    await assert.rejects(
      withTransaction(db.pool, async (c, ctx) => {
        await c.query('INSERT INTO tx_along VALUES (1)');
        ctx.alongCommit(c.query('INSERT INTO tx_along VALUES (1)')); // duplicate key
      }),
      /duplicate key/,
    );
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM tx_along');
    assert.equal(rows[0].n, 0, 'the first insert was rolled back with it');
    // The connection is healthy afterwards.
    assert.equal((await db.pool.query('SELECT 1 AS one')).rows[0].one, 1);
  });

  it('classifies serialization failures, deadlocks and lost connections as transient, others not', () => {
    for (const code of ['40001', '40P01', '57P01', '57P03', 'ECONNREFUSED', 'ECONNRESET']) {
      assert.equal(isTransientDbError(Object.assign(new Error('x'), { code })), true, code);
    }
    assert.equal(isTransientDbError(new Error('timeout exceeded when trying to connect')), true);
    assert.equal(isTransientDbError(Object.assign(new Error('unique'), { code: '23505' })), false);
    assert.equal(isTransientDbError(Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('x'), { code: '40P01' }) })), true);
  });

  it('withDbRetry retries a real serialization failure until the transaction commits', async () => {
    await db.pool.query('CREATE TABLE counter (id int PRIMARY KEY, n int)');
    await db.pool.query('INSERT INTO counter VALUES (1, 0)');
    const bump = () =>
      withDbRetry(
        () =>
          withTransaction(
            db.pool,
            async (c) => {
              const { rows } = await c.query('SELECT n FROM counter WHERE id = 1');
              await new Promise((r) => setTimeout(r, 20));
              await c.query('UPDATE counter SET n = $1 WHERE id = 1', [rows[0].n + 1]);
            },
            'serializable',
          ),
        { attempts: 50, baseMs: 5, maxMs: 50 },
      );
    await Promise.all(Array.from({ length: 8 }, bump));
    const { rows } = await db.pool.query('SELECT n FROM counter WHERE id = 1');
    assert.equal(rows[0].n, 8, 'every increment survived despite 40001 conflicts');
  });

  it('withDbRetry does not retry a permanent error', async () => {
    let calls = 0;
    await assert.rejects(
      withDbRetry(async () => {
        calls++;
        await db.pool.query('SELECT * FROM no_such_table');
      }),
    );
    assert.equal(calls, 1);
  });
});
