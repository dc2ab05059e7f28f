import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { useTestDb, type TestDbFixture } from '../helpers/testResources.ts';
import { runSync } from '../../src/ingest/index.ts';
import { createFakeConnector, createFakeUpstream } from './fixtures/fakeUpstream.ts';
import { drainOutbox, rowsById, testDeps } from './fixtures/support.ts';

// Every backend of this database but the killer's own: the run's pooled connections (idle
// between pages, so the next page transaction meets a dead connection or a fresh one).
async function terminateRunConnections(db: TestDbFixture): Promise<number> {
  const killer = new pg.Client({ connectionString: db.url });
  await killer.connect();
  try {
    const { rows } = await killer.query<{ ok: boolean }>(
      // Only this file's database: test files run in parallel on one server, and another file's backends are not ours to kill.
      'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database()',
    );
    return rows.filter((r) => r.ok).length;
  } finally {
    await killer.end();
  }
}

describe('ingest producer when its database connection drops mid-run', () => {
  const db = useTestDb();

  it('the run continues on fresh connections, its lease intact, and completes; nothing is half-written or duplicated', async () => {
    const up = createFakeUpstream(60, { pageSize: 10 });
    let killed = 0;
    up.beforePage = async (n) => {
      if (n === 2 || n === 4) killed += (await terminateRunConnections(db)) > 0 ? 1 : 0;
    };
    const deps = testDeps(db.pool, [createFakeConnector(up)]);
    const run = await runSync(deps, { source: 'hubspot', mode: 'full' });
    assert.equal(killed, 2, "the run's connections were terminated twice");
    assert.equal(run.status, 'success', run.error ?? '');
    assert.equal(run.pagesFetched, 6);
    assert.deepEqual({ fetched: run.recordsFetched, enqueued: run.recordsEnqueued }, { fetched: 60, enqueued: 60 });
    const jobs = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs');
    assert.equal(jobs.rows[0]!.n, 60, 'each record enqueued exactly once');
    await drainOutbox(deps);
    assert.equal((await rowsById(db.pool, 'contacts')).size, 60);
    const leases = await db.pool.query('SELECT 1 FROM sync_leases');
    assert.equal(leases.rowCount, 0, 'lease released at the end');
  });
});
