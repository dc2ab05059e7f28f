import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { createLeasedWorker, enqueue, enqueueMany, listDeadLetters, PermanentError, WorkerStoppingError } from '../../src/queue/index.ts';
import { gate } from './gate.ts';
import { waitFor } from '../helpers/waitFor.ts';

describe('queue: leased worker', () => {
  const db = useTestDb();
  before(async () => {
    await db.pool.query('CREATE TABLE l_results (queue text, item int, by text)');
  });

  const record = (queue: string, item: number, by: string) => db.pool.query('INSERT INTO l_results VALUES ($1, $2, $3)', [queue, item, by]);
  const leaseExpired = (id: string) =>
    waitFor('the lease to expire', async () => (await db.pool.query("SELECT 1 FROM jobs WHERE id = $1 AND status = 'running' AND locked_until < now()", [id])).rowCount === 1);
  const isRunning = (id: string) => waitFor('the job to be leased', async () => (await db.pool.query("SELECT 1 FROM jobs WHERE id = $1 AND status = 'running'", [id])).rowCount === 1);

  it('an expired lease is reclaimed by another worker, and the first worker\'s late ack is rejected', async () => {
    const q = 'lease';
    const { id } = await enqueue(db.pool, q, { item: 1 });
    const held = gate();
    const a = createLeasedWorker<{ item: number }>({ pool: db.pool, queue: q, leaseMs: 200, handle: () => held.promise });
    const b = createLeasedWorker<{ item: number }>({ pool: db.pool, queue: q, leaseMs: 10_000, handle: async (job) => void (await record(q, job.payload.item, 'b')) });
    const aRound = a.runOnce();
    await isRunning(id!);
    assert.equal((await b.runOnce()).claimed, 0, 'a live lease is not claimable');
    await leaseExpired(id!);
    const bResult = await b.runOnce();
    assert.deepEqual(bResult, { claimed: 1, processed: 1, failed: 0, dead: 0, lost: 0 });
    held.open();
    assert.deepEqual(await aRound, { claimed: 1, processed: 0, failed: 0, dead: 0, lost: 1 }, 'the late ack is refused');
    const { rows } = await db.pool.query('SELECT by FROM l_results WHERE queue = $1', [q]);
    assert.deepEqual(rows, [{ by: 'b' }]);
    assert.equal((await db.pool.query('SELECT 1 FROM jobs WHERE queue = $1', [q])).rowCount, 0);
  });

  it('a late failure from a lost lease neither reschedules nor dead-letters the job', async () => {
    const q = 'latefail';
    const { id } = await enqueue(db.pool, q, { item: 1 });
    const held = gate();
    const a = createLeasedWorker({ pool: db.pool, queue: q, leaseMs: 200, handle: async () => {
      await held.promise;
      throw new PermanentError('too late to matter');
    } });
    const aRound = a.runOnce();
    await isRunning(id!);
    await leaseExpired(id!);
    const b = createLeasedWorker({ pool: db.pool, queue: q, handle: async () => undefined });
    assert.equal((await b.runOnce()).processed, 1);
    held.open();
    assert.equal((await aRound).lost, 1);
    assert.equal((await db.pool.query('SELECT 1 FROM jobs WHERE queue = $1', [q])).rowCount, 0);
    assert.equal((await listDeadLetters(db.pool, { queue: q })).items.length, 0);
  });

  it('extendLease keeps a slow job from being reclaimed', async () => {
    const q = 'extend';
    const { id } = await enqueue(db.pool, q, { item: 1 });
    const held = gate();
    let extended: boolean | null = null;
    let firstDeadline: Date | null = null;
    const a = createLeasedWorker({ pool: db.pool, queue: q, leaseMs: 200, handle: async (job, ctx) => {
      firstDeadline = (await db.pool.query<{ locked_until: Date }>('SELECT locked_until FROM jobs WHERE id = $1', [job.id])).rows[0]!.locked_until;
      extended = await ctx.extendLease(60_000);
      await held.promise;
    } });
    const aRound = a.runOnce();
    await waitFor('the lease extension', () => extended !== null);
    assert.equal(extended, true);
    const { rows } = await db.pool.query<{ pushed: boolean }>("SELECT locked_until > now() + interval '30 seconds' AS pushed FROM jobs WHERE id = $1", [id]);
    assert.equal(rows[0]?.pushed, true, 'deadline pushed to ~60 s');
    const b = createLeasedWorker({ pool: db.pool, queue: q, handle: async () => undefined });
    await waitFor('the original lease deadline to pass', async () => (await db.pool.query<{ past: boolean }>('SELECT now() > $1 AS past', [firstDeadline])).rows[0]?.past);
    assert.equal((await b.runOnce()).claimed, 0, 'still ours after the original lease would have expired');
    held.open();
    assert.deepEqual(await aRound, { claimed: 1, processed: 1, failed: 0, dead: 0, lost: 0 });
  });

  it('a job whose lease expires on its last attempt goes to the DLQ as lease_expired instead of running again', async () => {
    const q = 'lastlease';
    const { id } = await enqueue(db.pool, q, { item: 1 }, { maxAttempts: 1 });
    const held = gate();
    const a = createLeasedWorker({ pool: db.pool, queue: q, leaseMs: 150, handle: () => held.promise });
    const aRound = a.runOnce();
    await isRunning(id!);
    await leaseExpired(id!);
    let ran = false;
    const b = createLeasedWorker({ pool: db.pool, queue: q, handle: async () => void (ran = true) });
    assert.deepEqual(await b.runOnce(), { claimed: 1, processed: 0, failed: 0, dead: 1, lost: 0 });
    assert.equal(ran, false);
    const [dead] = (await listDeadLetters(db.pool, { queue: q })).items;
    assert.equal(dead?.reason, 'lease_expired');
    assert.equal(dead?.error.name, 'LeaseExpiredError');
    assert.equal(dead?.attempts, 1);
    held.open();
    assert.equal((await aRound).lost, 1);
  });

  it('transient failures are rescheduled with backoff under the same lease rules', async () => {
    const q = 'lretry';
    const { id } = await enqueue(db.pool, q, { item: 1 });
    const w = createLeasedWorker({ pool: db.pool, queue: q, backoff: { baseMs: 5000, maxMs: 5000 }, random: () => 1, handle: async () => {
      throw new Error('inventory service 503');
    } });
    assert.deepEqual(await w.runOnce(), { claimed: 1, processed: 0, failed: 1, dead: 0, lost: 0 });
    const { rows } = await db.pool.query('SELECT status, attempts, lease_token, last_error, round(extract(epoch FROM run_at - updated_at) * 1000)::int AS delay_ms FROM jobs WHERE id = $1', [id]);
    assert.deepEqual(rows[0], { status: 'pending', attempts: 1, lease_token: null, last_error: 'Error: inventory service 503', delay_ms: 5000 });
  });

  it('start() keeps at most `concurrency` handlers running and processes every job once', async () => {
    const q = 'conc';
    await enqueueMany(db.pool, q, Array.from({ length: 12 }, (_, i) => ({ payload: { item: i } })));
    let active = 0;
    let maxActive = 0;
    const w = createLeasedWorker<{ item: number }>({
      pool: db.pool,
      queue: q,
      concurrency: 3,
      pollIntervalMs: 50,
      handle: async (job) => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 15)); // a "long" handler, not an assertion
        await record(q, job.payload.item, 'w');
        active--;
      },
    });
    await w.start();
    await waitFor('all jobs to be acked', async () => (await db.pool.query('SELECT 1 FROM jobs WHERE queue = $1', [q])).rowCount === 0);
    await w.stop();
    assert.equal(maxActive, 3);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n, count(DISTINCT item)::int AS d FROM l_results WHERE queue = $1', [q]);
    assert.deepEqual(rows[0], { n: 12, d: 12 });
  });

  it('stop() waits for in-flight handlers to finish and ack', async () => {
    const q = 'graceful';
    const { id } = await enqueue(db.pool, q, { item: 1 });
    const held = gate();
    let finished = false;
    const w = createLeasedWorker({ pool: db.pool, queue: q, pollIntervalMs: 50, handle: async () => {
      await held.promise;
      finished = true;
    } });
    await w.start();
    await isRunning(id!);
    const stopping = w.stop();
    setTimeout(held.open, 50);
    await stopping;
    assert.equal(finished, true, 'stop resolved only after the handler finished');
    assert.equal((await db.pool.query('SELECT 1 FROM jobs WHERE id = $1', [id])).rowCount, 0, 'and its ack committed');
  });

  it('stop() fires the handlers\' signal (WorkerStoppingError), so a long handler can end early; a restart gets a fresh signal', async () => {
    const q = 'cancel-on-stop';
    const first = await enqueue(db.pool, q, { item: 1 });
    const reasons: unknown[] = [];
    const w = createLeasedWorker({ pool: db.pool, queue: q, pollIntervalMs: 50, handle: async (_job, ctx) => {
      if (ctx.signal.aborted) throw new Error('started with a fired signal');
      // Would wait forever without the signal.
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      reasons.push(ctx.signal.reason);
    } });
    await w.start();
    await isRunning(first.id!);
    await w.stop();
    assert.equal(reasons.length, 1);
    assert.ok(reasons[0] instanceof WorkerStoppingError);
    assert.match((reasons[0] as Error).message, /cancel-on-stop worker is stopping/);
    assert.equal((await db.pool.query('SELECT 1 FROM jobs WHERE id = $1', [first.id])).rowCount, 0, 'the handler returned, so its job was acked');

    const second = await enqueue(db.pool, q, { item: 2 });
    await w.start();
    await isRunning(second.id!);
    await w.stop();
    assert.equal(reasons.length, 2, 'the restarted worker ran the next job with a live signal');
  });
});
