import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb, type TestDbFixture } from '../helpers/testResources.ts';
import { runSync, getRun } from '../../src/ingest/index.ts';
import { createFakeConnector, createFakeUpstream, type FakeUpstream } from './fixtures/fakeUpstream.ts';
import { drainOutbox, rowsById, testDeps } from './fixtures/support.ts';

async function resetDb(db: TestDbFixture): Promise<void> {
  await db.pool.query('TRUNCATE contacts, sync_cursors, sync_runs, sync_run_tallies, ingest_record_hashes, jobs, dead_letters');
}

async function assertStoredEqualsTruth(db: TestDbFixture, up: FakeUpstream): Promise<void> {
  const stored = await rowsById<{ external_id: string; email: string; first_name: string; source_updated_at: Date }>(db.pool, 'contacts');
  assert.equal(stored.size, up.truth.size, 'one row per upstream record');
  for (const [id, c] of up.truth) {
    const row = stored.get(id);
    assert.ok(row, `record ${id} stored`);
    assert.equal(row.email, c.email);
    assert.equal(row.source_updated_at.toISOString(), c.updatedAt);
  }
}

describe('ingest producer (fake upstream)', () => {
  const db = useTestDb();
  beforeEach(() => resetDb(db));

  it('full then incremental sync: stored rows equal the upstream, unchanged records are deduped, changes are picked up', async () => {
    const up = createFakeUpstream(45, { pageSize: 10 });
    const deps = testDeps(db.pool, [createFakeConnector(up)]);
    const full = await runSync(deps, { source: 'hubspot', mode: 'full' });
    assert.equal(full.status, 'success');
    assert.equal(full.pagesFetched, 5);
    assert.deepEqual({ fetched: full.recordsFetched, enqueued: full.recordsEnqueued, deduped: full.recordsDeduped }, { fetched: 45, enqueued: 45, deduped: 0 });
    assert.equal(full.cursorAfter.contact, '45');
    await drainOutbox(deps);
    await assertStoredEqualsTruth(db, up);
    assert.equal((await getRun(db.pool, full.runId))?.recordsUpserted, 45, 'processor counts back into the run');

    // A second full read of unchanged data enqueues nothing.
    const again = await runSync(deps, { source: 'hubspot', mode: 'full' });
    assert.deepEqual({ fetched: again.recordsFetched, enqueued: again.recordsEnqueued, deduped: again.recordsDeduped }, { fetched: 45, enqueued: 0, deduped: 45 });

    // Changes upstream: 3 updated, 2 new; incremental reads only the change log after the cursor.
    for (const id of ['c0001', 'c0010', 'c0044']) up.put({ ...up.truth.get(id)!, email: `changed-${id}@example.com`, updatedAt: '2026-02-01T00:00:00.000Z' });
    up.put({ id: 'c9000', email: 'new1@example.com', name: 'New One', updatedAt: '2026-02-01T00:00:01.000Z' });
    up.put({ id: 'c9001', email: 'new2@example.com', name: 'New Two', updatedAt: '2026-02-01T00:00:02.000Z' });
    const inc = await runSync(deps, { source: 'hubspot', mode: 'incremental' });
    assert.equal(inc.status, 'success');
    assert.deepEqual(inc.cursorBefore, { contact: '45' });
    assert.equal(inc.recordsFetched, 5);
    assert.equal(inc.recordsEnqueued, 5);
    await drainOutbox(deps);
    await assertStoredEqualsTruth(db, up);
  });

  it('stale cursor: the run marks staleCursorDetected, resets the cursor and backfills in the same run', async () => {
    const up = createFakeUpstream(25, { pageSize: 10 });
    const deps = testDeps(db.pool, [createFakeConnector(up)]);
    await runSync(deps, { source: 'hubspot', mode: 'incremental' });
    up.put({ id: 'c5000', email: 'late@example.com', name: 'Late Comer', updatedAt: '2026-03-01T00:00:00.000Z' });
    up.staleBelow = 1000; // every stored cursor is now rejected
    const run = await runSync(deps, { source: 'hubspot', mode: 'incremental' });
    assert.equal(run.status, 'success');
    assert.equal(run.staleCursorDetected, true);
    assert.equal(run.fullBackfillTriggered, true);
    assert.equal(run.recordsFetched, 26, 'the backfill re-read everything');
    assert.equal(run.recordsEnqueued, 1, 'only the new record was not known');
    assert.equal(run.cursorAfter.contact, '26');
    up.staleBelow = 0;
    await drainOutbox(deps);
    await assertStoredEqualsTruth(db, up);
  });

  it('two concurrent runs of one source: one runs, the other ends at once as skipped with a reason', async () => {
    const up = createFakeUpstream(30, { pageSize: 10 });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const inside = new Promise<void>((r) => (reached = r));
    up.beforePage = async (n) => {
      if (n === 1) {
        reached();
        await held;
      }
    };
    const deps = testDeps(db.pool, [createFakeConnector(up)]);
    const first = runSync(deps, { source: 'hubspot', mode: 'full' });
    await inside;
    const second = await runSync(deps, { source: 'hubspot', mode: 'full' });
    assert.equal(second.status, 'skipped');
    assert.match(second.reason ?? '', /another hubspot sync is already running \(run [0-9a-f-]{36}\)/);
    assert.equal(second.pagesFetched, 0);
    release();
    const done = await first;
    assert.equal(done.status, 'success');
    assert.equal(done.recordsFetched, 30);
  });

  it('an upstream failure mid-run: the run is failed with the error, committed pages keep their cursor, the next run resumes there', async () => {
    const up = createFakeUpstream(50, { pageSize: 10 });
    const deps = testDeps(db.pool, [createFakeConnector(up)]);
    up.failAfterPages = 2;
    const failed = await runSync(deps, { source: 'hubspot', mode: 'incremental' });
    assert.equal(failed.status, 'failed');
    assert.match(failed.error ?? '', /contact: fake upstream: connection reset/);
    assert.equal(failed.pagesFetched, 2);
    assert.equal(failed.cursorAfter.contact, '20');
    const resumed = await runSync(deps, { source: 'hubspot', mode: 'incremental' });
    assert.equal(resumed.status, 'success');
    assert.deepEqual(resumed.cursorBefore, { contact: '20' });
    assert.equal(resumed.recordsFetched, 30, 'only the pages after the cursor');
    await drainOutbox(deps);
    await assertStoredEqualsTruth(db, up);
  });

  it('a disabled source: the run is skipped and says why', async () => {
    const deps = testDeps(db.pool, []);
    const run = await runSync(deps, { source: 'gcal', mode: 'incremental' });
    assert.equal(run.status, 'skipped');
    assert.match(run.reason ?? '', /gcal is disabled/);
  });
});
