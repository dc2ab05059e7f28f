import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PoolClient } from 'pg';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { getRun, runSync } from '../../src/ingest/index.ts';
import { createFakeConnector, createFakeUpstream } from './fixtures/fakeUpstream.ts';
import { drainOutbox, rowsById, testDeps, waitFor } from './fixtures/support.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const N = 300;

function spawnChild(env: Record<string, string>): { proc: ChildProcess; exited: Promise<string | null>; output: () => string } {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'fixtures', 'ingestChild.ts')], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<string | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
  return { proc, exited, output: () => out };
}

// The child's backend blocked on a lock the test holds: it is inside an open transaction with writes.
async function childWaitingOnLock(db: TestDb): Promise<boolean> {
  const { rows } = await db.pool.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'ingest-crash-child' AND wait_event_type = 'Lock'");
  return rows.length > 0;
}

async function assertContactsEqualTruth(db: TestDb): Promise<void> {
  const truth = createFakeUpstream(N).truth;
  const stored = await rowsById<{ external_id: string; email: string }>(db.pool, 'contacts');
  assert.equal(stored.size, N);
  for (const [id, c] of truth) assert.equal(stored.get(id)?.email, c.email, id);
}

describe('ingest crash safety (child processes killed with SIGKILL)', () => {
  let db: TestDb;
  let child: ChildProcess | null = null;
  let locker: PoolClient | null = null;
  before(async () => {
    db = await createTestDb();
  });
  after(async () => {
    child?.kill('SIGKILL');
    if (locker) {
      await locker.query('ROLLBACK').catch(() => undefined);
      locker.release();
    }
    await db.drop();
  });

  it('processor killed mid-batch: nothing lost, nothing done twice — every record stored once, run tallies exact', async () => {
    const deps = testDeps(db.pool, [createFakeConnector(createFakeUpstream(N))]);
    const run = await runSync(deps, { source: 'hubspot', mode: 'full' });
    assert.equal(run.records.enqueued, N);
    // Hold a row the child's 4th batch must update: its transaction blocks there with uncommitted upserts.
    await db.pool.query("INSERT INTO contacts (source, external_id, email, source_updated_at) VALUES ('hubspot', 'c0170', 'old@example.com', '2000-01-01')");
    locker = await db.pool.connect();
    await locker.query('BEGIN');
    await locker.query("SELECT 1 FROM contacts WHERE external_id = 'c0170' FOR UPDATE");

    const c = spawnChild({ DATABASE_URL: db.url, MODE: 'processor', BATCH_SIZE: '50', N: String(N) });
    child = c.proc;
    await waitFor(() => childWaitingOnLock(db), 'the child to block mid-batch', 20_000);
    const committed = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM contacts')).rows[0]!.n;
    assert.ok(committed > 1 && committed < N, `some whole batches committed before the kill (${committed})`);

    c.proc.kill('SIGKILL');
    assert.equal(await c.exited, 'SIGKILL');
    child = null;
    await locker.query('ROLLBACK');
    locker.release();
    locker = null;

    const rest = await drainOutbox(deps);
    assert.equal(rest.dead, 0);
    await assertContactsEqualTruth(db);
    assert.equal((await db.pool.query('SELECT 1 FROM jobs')).rowCount, 0, 'outbox drained');
    assert.equal((await getRun(db.pool, run.runId))?.records.upserted, N, 'each record counted once: the killed batch rolled back with its tally');
  });

  it('producer killed mid-page: the page rolls back, the next run resumes from the committed cursor, each record enqueued once', async () => {
    await db.pool.query('TRUNCATE contacts, sync_cursors, sync_runs, sync_run_tallies, ingest_record_hashes, jobs, dead_letters');
    const c = spawnChild({ DATABASE_URL: db.url, MODE: 'producer', N: String(N), PAGE_SIZE: '10', PAUSE_MS: '40' });
    child = c.proc;
    await waitFor(async () => (await db.pool.query("SELECT 1 FROM sync_runs WHERE status = 'running' AND pages >= 3")).rowCount === 1, 'the child to commit a few pages', 20_000);
    // Lock the stream's cursor row: the child's next page transaction blocks on it after enqueueing.
    locker = await db.pool.connect();
    await locker.query('BEGIN');
    await locker.query("SELECT 1 FROM sync_cursors WHERE source = 'hubspot' AND entity = 'contact' FOR UPDATE");
    await waitFor(() => childWaitingOnLock(db), 'the child to block mid-page', 20_000);
    const killedRun = (await db.pool.query<{ id: string; pages: number; cursor_after: { contact: string } }>("SELECT id, pages, cursor_after FROM sync_runs WHERE status = 'running'")).rows[0]!;
    c.proc.kill('SIGKILL');
    assert.equal(await c.exited, 'SIGKILL');
    child = null;
    await locker.query('ROLLBACK');
    locker.release();
    locker = null;

    const stored = (await db.pool.query<{ cursor: string }>("SELECT cursor FROM sync_cursors WHERE source = 'hubspot' AND entity = 'contact'")).rows[0]!.cursor;
    assert.equal(stored, killedRun.cursor_after.contact, 'the cursor is the last committed page, the killed page left nothing');
    const queued = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs')).rows[0]!.n;
    assert.equal(queued, killedRun.pages * 10, 'exactly the committed pages are in the outbox');

    const deps = testDeps(db.pool, [createFakeConnector(createFakeUpstream(N, { pageSize: 10 }))]);
    const resumed = await runSync(deps, { source: 'hubspot', mode: 'incremental' });
    assert.equal(resumed.status, 'success', resumed.error ?? '');
    assert.equal(resumed.cursorBefore.contact, stored);
    assert.equal(resumed.records.enqueued + queued, N, 'each record enqueued exactly once across both runs');
    const abandoned = await getRun(db.pool, killedRun.id);
    assert.equal(abandoned?.status, 'failed');
    assert.match(abandoned?.error ?? '', /abandoned/);
    await drainOutbox(deps);
    await assertContactsEqualTruth(db);
  });
});
