import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getRun, runSync } from '../../src/ingest/index.ts';
import { createFakeConnector, createFakeUpstream } from './fixtures/fakeUpstream.ts';
import { drainOutbox, testDeps } from './fixtures/support.ts';
import { waitFor } from '../helpers/waitFor.ts';
import { assertContactsEqualTruth, childWaitingOnLock, createCrashHarness, N, type CrashHarness } from './fixtures/crashSupport.ts';

// Short, so the test waits little for the killed child's lease to expire.
const LEASE_TTL_MS = 1500;

describe('ingest crash safety: producer killed with SIGKILL', () => {
  let crash: CrashHarness;
  before(async () => {
    crash = await createCrashHarness();
  });
  after(() => crash.close());

  it('producer killed mid-page: the page rolls back, the next run resumes from the committed cursor, each record enqueued once', async () => {
    const { db } = crash;
    crash.spawn({ MODE: 'producer', N: String(N), PAGE_SIZE: '10', PAUSE_MS: '40', SYNC_LEASE_TTL_MS: String(LEASE_TTL_MS) });
    await waitFor('the child to commit a few pages', async () => (await db.pool.query("SELECT 1 FROM sync_runs WHERE status = 'running' AND pages_fetched >= 3")).rowCount === 1, { timeoutMs: 20_000 });
    // Lock the stream's cursor row: the child's next page transaction blocks on it after enqueueing.
    await crash.lock("SELECT 1 FROM sync_cursors WHERE source = 'hubspot' AND entity = 'contact' FOR UPDATE");
    await waitFor('the child to block mid-page', () => childWaitingOnLock(db), { timeoutMs: 20_000 });
    const killedRun = (await db.pool.query<{ id: string; pages_fetched: number; cursor_after: { contact: string } }>("SELECT id, pages_fetched, cursor_after FROM sync_runs WHERE status = 'running'")).rows[0]!;
    assert.equal(await crash.killChild(), 'SIGKILL');
    await crash.unlock();

    const stored = (await db.pool.query<{ cursor: string }>("SELECT cursor FROM sync_cursors WHERE source = 'hubspot' AND entity = 'contact'")).rows[0]!.cursor;
    assert.equal(stored, killedRun.cursor_after.contact, 'the cursor is the last committed page, the killed page left nothing');
    const queued = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs')).rows[0]!.n;
    assert.equal(queued, killedRun.pages_fetched * 10, 'exactly the committed pages are in the outbox');

    // The dead child's lease stops no one once it expires (no heartbeat extends it anymore).
    await waitFor("the dead child's lease to expire", async () => (await db.pool.query('SELECT 1 FROM sync_leases WHERE expires_at > now()')).rowCount === 0, { timeoutMs: 20_000 });
    const deps = testDeps(db.pool, [createFakeConnector(createFakeUpstream(N, { pageSize: 10 }))]);
    const resumed = await runSync(deps, { source: 'hubspot', mode: 'incremental' });
    assert.equal(resumed.status, 'success', resumed.error ?? '');
    assert.equal(resumed.cursorBefore.contact, stored);
    assert.equal(resumed.recordsEnqueued + queued, N, 'each record enqueued exactly once across both runs');
    const abandoned = await getRun(db.pool, killedRun.id);
    assert.equal(abandoned?.status, 'failed');
    assert.match(abandoned?.error ?? '', /abandoned/);
    await drainOutbox(deps);
    await assertContactsEqualTruth(db);
  });
});
