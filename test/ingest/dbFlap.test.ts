import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { runSync } from '../../src/ingest/index.ts';
import { createFakeConnector, createFakeUpstream } from './fixtures/fakeUpstream.ts';
import { drainOutbox, rowsById, testDeps } from './fixtures/support.ts';

// The backend holding the run's advisory locks (the connection every page transaction uses).
async function terminateLockHolder(db: TestDb): Promise<number> {
  const { rows } = await db.pool.query<{ ok: boolean }>(
    // Only this file's database: test files run in parallel on one server, and another file's lock holder is not ours to kill.
    "SELECT pg_terminate_backend(pid) AS ok FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
  );
  return rows.filter((r) => r.ok).length;
}

describe('ingest producer when its database connection drops mid-run', () => {
  let db: TestDb;
  before(async () => {
    db = await createTestDb();
  });
  after(async () => {
    await db.drop();
  });

  it('the run reconnects, re-takes its locks, retries the page and completes; nothing is half-written or duplicated', async () => {
    const up = createFakeUpstream(60, { pageSize: 10 });
    let killed = 0;
    up.beforePage = async (n) => {
      if (n === 2 || n === 4) killed += await terminateLockHolder(db);
    };
    const deps = testDeps(db.pool, [createFakeConnector(up)]);
    const run = await runSync(deps, { source: 'hubspot', mode: 'full' });
    assert.equal(killed, 2, 'the lock-holding connection was terminated twice');
    assert.equal(run.status, 'success', run.error ?? '');
    assert.equal(run.pagesFetched, 6);
    assert.deepEqual({ fetched: run.recordsFetched, enqueued: run.recordsEnqueued }, { fetched: 60, enqueued: 60 });
    const jobs = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs');
    assert.equal(jobs.rows[0]!.n, 60, 'each record enqueued exactly once');
    await drainOutbox(deps);
    assert.equal((await rowsById(db.pool, 'contacts')).size, 60);
    const locks = await db.pool.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
    assert.equal(locks.rowCount, 0, 'locks released at the end');
  });
});
