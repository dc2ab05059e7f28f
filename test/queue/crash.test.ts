import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useTestDb } from '../helpers/testResources.ts';
import { createBatchWorker, enqueueMany } from '../../src/queue/index.ts';
import { waitFor } from '../helpers/waitFor.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const JOBS = 200;
const BATCH = 20;
const BLOCK_AT = 50; // third batch (40..59), after 10 uncommitted writes

describe('queue: consumer killed with SIGKILL mid-batch', () => {
  const db = useTestDb();
  let child: ChildProcess | null = null;
  before(async () => {
    await db.pool.query('CREATE TABLE crash_results (item int PRIMARY KEY, consumer text NOT NULL)');
    // A child still running after a failed test must not outlive the file.
    db.onClose(() => void child?.kill('SIGKILL'));
  });

  it('loses and duplicates nothing: the killed batch is released at once and another worker completes every job exactly once', async () => {
    await enqueueMany(db.pool, 'crash', Array.from({ length: JOBS }, (_, i) => ({ payload: { item: i } })));
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'fixtures', 'killableConsumer.ts')], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: db.url, BLOCK_AT: String(BLOCK_AT), BATCH_SIZE: String(BATCH) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let out = '';
    let err = '';
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<string | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
    await waitFor('the child to hold a batch', () => {
        if (proc.exitCode !== null) throw new Error(`child exited early: ${err}`);
        return out.includes(`HOLDING ${BLOCK_AT}`);
      }, { timeoutMs: 30_000 });

    // While it hangs: two batches committed, the third's 20 rows are locked by the child.
    const committed = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM crash_results');
    assert.equal(committed.rows[0]?.n, 2 * BATCH, 'only whole batches are visible');
    const claimable = async () =>
      (await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM (SELECT id FROM jobs WHERE queue = 'crash' FOR UPDATE SKIP LOCKED) x")).rows[0]?.n;
    assert.equal(await claimable(), JOBS - 3 * BATCH, 'the held batch is locked');

    proc.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    child = null;
    // The server notices the dead connection, aborts its transaction and releases the rows.
    await waitFor('the killed batch to be released', async () => (await claimable()) === JOBS - 2 * BATCH);

    const worker = createBatchWorker<{ item: number }>({
      pool: db.pool,
      queue: 'crash',
      batchSize: 50,
      handle: async (job, tx) => {
        await tx.query('INSERT INTO crash_results (item, consumer) VALUES ($1, $2)', [job.payload.item, 'survivor']);
      },
    });
    let processed = 0;
    for (let r = await worker.runOnce(); r.claimed > 0; r = await worker.runOnce()) {
      assert.equal(r.failed + r.dead, 0);
      processed += r.processed;
    }
    assert.equal(processed, JOBS - 2 * BATCH, 'the survivor did exactly the uncommitted remainder');
    const { rows } = await db.pool.query('SELECT count(*)::int AS n, count(DISTINCT item)::int AS d FROM crash_results');
    assert.deepEqual(rows[0], { n: JOBS, d: JOBS });
    const held = await db.pool.query("SELECT consumer FROM crash_results WHERE item BETWEEN 40 AND 59 GROUP BY consumer");
    assert.deepEqual(held.rows, [{ consumer: 'survivor' }], "the killed batch's uncommitted writes were rolled back and redone once");
    const left = await db.pool.query('SELECT (SELECT count(*) FROM jobs)::int AS jobs, (SELECT count(*) FROM dead_letters)::int AS dead');
    assert.deepEqual(left.rows[0], { jobs: 0, dead: 0 });
  });
});
