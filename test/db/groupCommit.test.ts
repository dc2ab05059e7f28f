import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createGroupCommitter, type TransactionPart } from '../../src/db/index.ts';
import { useTestDb } from '../helpers/testResources.ts';

describe('createGroupCommitter: concurrent transactions share a commit, each still all-or-nothing', () => {
  const db = useTestDb();
  before(async () => {
    await db.pool.query('CREATE TABLE gc_rows (id int PRIMARY KEY, note text NOT NULL)');
  });

  // A part inserting `ids` and answering the id of the transaction it ran in; counts its runs.
  const runs = new Map<number, number>();
  const insertPart =
    (...ids: number[]): TransactionPart<{ xid: Promise<string> }> =>
    (tx, ctx) => {
      runs.set(ids[0] as number, (runs.get(ids[0] as number) ?? 0) + 1);
      for (const id of ids) ctx.alongCommit(tx.query('INSERT INTO gc_rows VALUES ($1, $2)', [id, `row ${id}`]));
      const xid = tx.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid').then((r) => r.rows[0]?.xid as string);
      ctx.alongCommit(xid);
      return { xid };
    };
  const stored = async (ids: number[]) => (await db.pool.query<{ id: number }>('SELECT id FROM gc_rows WHERE id = ANY($1) ORDER BY id', [ids])).rows.map((r) => r.id);

  it('parts submitted while a transaction is in flight commit together in the next one', async () => {
    const commit = createGroupCommitter(db.pool, { maxInFlight: 1 });
    // The first part holds the only slot until the test lets it finish.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = commit((tx, ctx) => {
      const part = insertPart(100)(tx, ctx);
      ctx.alongCommit(held);
      return part;
    });
    await new Promise((r) => setImmediate(r));
    const rest = [101, 102, 103, 104, 105].map((id) => commit(insertPart(id)));
    release();
    const xids = await Promise.all([first, ...rest].map(async (p) => (await p).xid));
    assert.equal(new Set(xids.slice(1)).size, 1, `the five waiting parts share one transaction: ${xids.join(', ')}`);
    assert.notEqual(xids[1], xids[0], 'and it is not the first one');
    assert.deepEqual(await stored([100, 101, 102, 103, 104, 105]), [100, 101, 102, 103, 104, 105]);
  });

  it('a part the database refuses fails alone: the others of its batch commit, its own statements do not', async () => {
    await db.pool.query("INSERT INTO gc_rows VALUES (203, 'already there')");
    const commit = createGroupCommitter(db.pool);
    // Part 2 inserts 202 then the existing 203: its first row must not survive either.
    const parts = [insertPart(201), insertPart(202, 203), insertPart(204)];
    const settled = await Promise.allSettled(parts.map((p) => commit(p)));
    assert.deepEqual(
      settled.map((s) => s.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal(((settled[1] as PromiseRejectedResult).reason as { code?: string }).code, '23505', 'the failing part gets its own error (unique violation)');
    assert.deepEqual(await stored([201, 202, 203, 204]), [201, 203, 204]);
    assert.equal((await db.pool.query("SELECT note FROM gc_rows WHERE id = 203")).rows[0]?.note, 'already there');
  });

  it('a part that throws before COMMIT fails alone too', async () => {
    const commit = createGroupCommitter(db.pool);
    const settled = await Promise.allSettled([
      commit(insertPart(301)),
      commit(() => {
        throw new TypeError('bad part');
      }),
      commit(insertPart(302)),
    ]);
    assert.deepEqual(
      settled.map((s) => s.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(await stored([301, 302]), [301, 302]);
  });

  it('a connection lost mid-batch fails every part and runs none of them again (the commit may have happened)', async () => {
    const commit = createGroupCommitter(db.pool);
    runs.clear();
    const killer: TransactionPart<null> = (tx, ctx) => {
      ctx.alongCommit(tx.query('SELECT pg_terminate_backend(pg_backend_pid())'));
      return null;
    };
    const settled = await Promise.allSettled([commit(insertPart(401)), commit(killer), commit(insertPart(402))]);
    assert.deepEqual(
      settled.map((s) => s.status),
      ['rejected', 'rejected', 'rejected'],
    );
    assert.deepEqual([runs.get(401), runs.get(402)], [1, 1], 'each part ran once');
    assert.deepEqual(await stored([401, 402]), []);
  });
});
