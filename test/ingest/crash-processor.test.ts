import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getRun, runSync } from '../../src/ingest/index.ts';
import { createFakeConnector, createFakeUpstream } from './fixtures/fakeUpstream.ts';
import { drainOutbox, testDeps } from './fixtures/support.ts';
import { waitFor } from '../helpers/waitFor.ts';
import { assertContactsEqualTruth, childWaitingOnLock, createCrashHarness, N, type CrashHarness } from './fixtures/crashSupport.ts';

describe('ingest crash safety: processor killed with SIGKILL', () => {
  let crash: CrashHarness;
  before(async () => {
    crash = await createCrashHarness();
  });
  after(() => crash.close());

  it('processor killed mid-batch: nothing lost, nothing done twice — every record stored once, run tallies exact', async () => {
    const { db } = crash;
    const deps = testDeps(db.pool, [createFakeConnector(createFakeUpstream(N))]);
    const run = await runSync(deps, { source: 'hubspot', mode: 'full' });
    assert.equal(run.recordsEnqueued, N);
    // Hold a row the child's 4th batch must update: its transaction blocks there with uncommitted upserts.
    await db.pool.query("INSERT INTO contacts (source, connection_id, external_id, email, source_updated_at) VALUES ('hubspot', 'hubspot-default', 'c0170', 'old@example.com', '2000-01-01')");
    await crash.lock("SELECT 1 FROM contacts WHERE external_id = 'c0170' FOR UPDATE");

    crash.spawn({ MODE: 'processor', BATCH_SIZE: '50', N: String(N) });
    await waitFor('the child to block mid-batch', () => childWaitingOnLock(db), { timeoutMs: 20_000 });
    const committed = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM contacts')).rows[0]!.n;
    assert.ok(committed > 1 && committed < N, `some whole batches committed before the kill (${committed})`);

    assert.equal(await crash.killChild(), 'SIGKILL');
    await crash.unlock();

    const rest = await drainOutbox(deps);
    assert.equal(rest.dead, 0);
    await assertContactsEqualTruth(db);
    assert.equal((await db.pool.query('SELECT 1 FROM jobs')).rowCount, 0, 'outbox drained');
    assert.equal((await getRun(db.pool, run.runId))?.recordsUpserted, N, 'each record counted once: the killed batch rolled back with its tally');
  });
});
