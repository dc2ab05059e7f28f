import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { useTestDb } from '../helpers/testResources.ts';
import { createPool, withTransaction, type Pool } from '../../src/db/index.ts';
import { createLogger } from '../../src/log.ts';
import { announceJobs, createBatchWorker, enqueue, enqueueMany, LISTENER_APPLICATION, type Worker } from '../../src/queue/index.ts';
import { waitFor } from '../helpers/waitFor.ts';

describe('queue: enqueue, dedupe, NOTIFY wake-ups, loop resilience', () => {
  const db = useTestDb();
  before(async () => {
    await db.pool.query('CREATE TABLE e_results (queue text, item int)');
    await db.pool.query('CREATE TABLE e_orders (id int PRIMARY KEY)');
  });

  const count = async (sql: string, params: unknown[] = []) => (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]?.n;
  const recorder = (pool: Pool, queue: string, extra: Partial<Parameters<typeof createBatchWorker>[0]> = {}): Worker =>
    createBatchWorker<{ item: number }>({
      pool,
      queue,
      pollIntervalMs: 60_000, // only a NOTIFY (or a reconnect) can wake it within a test's deadline
      handle: async (job, tx) => void (await tx.query('INSERT INTO e_results VALUES ($1, $2)', [queue, job.payload.item])),
      ...(extra as object),
    });

  it('dedupeKey skips an enqueue while a job with the same (queue, key) is outstanding, and allows it again once done', async () => {
    const first = await enqueue(db.pool, 'dd', { item: 1 }, { dedupeKey: 'evt_1' });
    assert.equal(first.inserted, true);
    assert.match(first.id ?? '', /^\d+$/);
    assert.deepEqual(await enqueue(db.pool, 'dd', { item: 2 }, { dedupeKey: 'evt_1' }), { id: first.id, inserted: false });
    assert.equal((await enqueue(db.pool, 'dd-other', { item: 1 }, { dedupeKey: 'evt_1' })).inserted, true, 'keys are per queue');
    assert.equal((await enqueue(db.pool, 'dd', { item: 3 })).inserted, true, 'no key, no dedupe');
    const many = await enqueueMany(db.pool, 'dd', [
      { payload: { item: 4 }, dedupeKey: 'evt_2' },
      { payload: { item: 5 }, dedupeKey: 'evt_1' }, // outstanding
      { payload: { item: 6 }, dedupeKey: 'evt_2' }, // duplicate inside the batch
      { payload: { item: 7 } },
    ]);
    assert.deepEqual(many, { inserted: 2, skipped: 2 });
    const w = recorder(db.pool, 'dd', { batchSize: 100 });
    assert.equal((await w.runOnce()).processed, 4);
    const { rows } = await db.pool.query("SELECT item FROM e_results WHERE queue = 'dd' ORDER BY item");
    assert.deepEqual(rows.map((r) => r.item), [1, 3, 4, 7], 'the first enqueue of each key won');
    assert.equal((await enqueue(db.pool, 'dd', { item: 8 }, { dedupeKey: 'evt_1' })).inserted, true, 'done jobs release their key');
  });

  it('enqueueMany keeps payloads (null included), runAt and maxAttempts, in one statement', async () => {
    const future = new Date(Date.now() + 3_600_000);
    const r = await enqueueMany(db.pool, 'many', [{ payload: { a: [1, 'x', { b: true }] } }, { payload: null }, { payload: 'text', runAt: future, maxAttempts: 2 }]);
    assert.deepEqual(r, { inserted: 3, skipped: 0 });
    const { rows } = await db.pool.query("SELECT payload, max_attempts, run_at > now() + interval '59 minutes' AS later FROM jobs WHERE queue = 'many' ORDER BY id");
    assert.deepEqual(rows, [
      { payload: { a: [1, 'x', { b: true }] }, max_attempts: 5, later: false },
      { payload: null, max_attempts: 5, later: false },
      { payload: 'text', max_attempts: 2, later: true },
    ]);
    assert.deepEqual(await enqueueMany(db.pool, 'many', []), { inserted: 0, skipped: 0 });
  });

  it('enqueue joins the caller\'s transaction: business write and job commit or roll back together', async () => {
    await assert.rejects(
      withTransaction(db.pool, async (tx) => {
        await tx.query('INSERT INTO e_orders VALUES (1)');
        await enqueue(tx, 'tx', { orderId: 1 });
        throw new Error('payment declined');
      }),
      /payment declined/,
    );
    assert.equal(await count('e_orders'), 0);
    assert.equal(await count("jobs WHERE queue = 'tx'"), 0);
    await withTransaction(db.pool, async (tx) => {
      await tx.query('INSERT INTO e_orders VALUES (2)');
      await enqueueMany(tx, 'tx', [{ payload: { orderId: 2 } }]);
    });
    assert.equal(await count('e_orders'), 1);
    assert.equal(await count("jobs WHERE queue = 'tx' AND payload->>'orderId' = '2'"), 1);
  });

  it('a NOTIFY on commit wakes a started worker (poll interval 60 s)', async () => {
    const w = recorder(db.pool, 'wake');
    await w.start();
    db.onClose(() => w.stop());
    await withTransaction(db.pool, (tx) => enqueue(tx, 'wake', { item: 42 }));
    await waitFor('the worker to be woken and process the job', async () => (await count("e_results WHERE queue = 'wake'")) === 1, { timeoutMs: 10_000 });
  });

  it('quiet enqueues announced after their commits wake a started worker (poll 60 s): 40 concurrent producers, coalesced NOTIFYs, every job processed', async () => {
    const w = recorder(db.pool, 'announced', { batchSize: 5 });
    await w.start();
    db.onClose(() => w.stop());
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        await withTransaction(db.pool, (tx) => enqueue(tx, 'announced', { item: i }, { notify: false }));
        announceJobs(db.pool, ['announced']);
      }),
    );
    await waitFor('every announced job to be processed', async () => (await count("e_results WHERE queue = 'announced'")) === 40, { timeoutMs: 10_000 });
  });

  it('a quiet enqueue adds no NOTIFY to its transaction; never announced (producer died after commit), the poll still picks it up', async () => {
    const listener = await db.pool.connect();
    const heard: string[] = [];
    try {
      listener.on('notification', (m) => heard.push(m.payload ?? ''));
      await listener.query('LISTEN buffalo_jobs');
      const w = recorder(db.pool, 'unannounced', { pollIntervalMs: 100 });
      await withTransaction(db.pool, (tx) => enqueue(tx, 'unannounced', { item: 7 }, { notify: false }));
      await enqueue(db.pool, 'loud', { item: 1 });
      await waitFor('the NOTIFY of a default enqueue', () => heard.includes('loud'));
      assert.deepEqual(heard, ['loud'], 'the quiet enqueue, committed first, sent nothing');
      await w.start();
      db.onClose(() => w.stop());
      await waitFor('the poll to pick the unannounced job up', async () => (await count("e_results WHERE queue = 'unannounced'")) === 1, { timeoutMs: 10_000 });
    } finally {
      await listener.query('UNLISTEN *');
      listener.release();
    }
  });

  it('the listener reconnects after its connection is killed and wake-ups resume', async () => {
    const pool = createPool(db.url, { max: 2 });
    db.onClose(() => pool.end());
    const w = recorder(pool, 'relisten');
    await w.start();
    db.onClose(() => w.stop());
    const listenerPids = async () =>
      (await db.pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 ORDER BY pid', [LISTENER_APPLICATION])).rows.map((r) => r.pid);
    const before = await waitFor('a listener connection', async () => ((await listenerPids()).length > 0 ? await listenerPids() : null));
    await db.pool.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before]);
    await waitFor('a new listener connection', async () => {
      const now = await listenerPids();
      return now.length > 0 && now.every((p) => !before.includes(p));
    });
    await enqueue(db.pool, 'relisten', { item: 1 });
    await waitFor('the job enqueued after the reconnect to be processed', async () => (await count("e_results WHERE queue = 'relisten'")) === 1, { timeoutMs: 10_000 });
  });

  it('a claim failing on a lost connection is logged and retried; the loop keeps working', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn' }, new Writable({ write: (chunk, _enc, cb) => (lines.push(chunk.toString()), cb()) }));
    const pool = createPool(db.url, { max: 2, application: 'q-flap' });
    db.onClose(() => pool.end());
    const w = recorder(pool, 'flap', { logger, pollIntervalMs: 50 });
    await w.start();
    db.onClose(() => w.stop());
    // Block the worker's claim behind a table lock, then kill its connection mid-query.
    const locker = await db.pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE');
      const pid = await waitFor('the claim to block on the lock', async () => (await db.pool.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'q-flap' AND wait_event_type = 'Lock'")).rows[0]?.pid);
      await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
      await waitFor('the failure to be logged', () => lines.some((l) => l.includes('queue claim round failed')));
      await locker.query('COMMIT');
    } finally {
      locker.release();
    }
    await enqueue(db.pool, 'flap', { item: 9 });
    await waitFor('the worker to carry on after the lost connection', async () => (await count("e_results WHERE queue = 'flap'")) === 1, { timeoutMs: 10_000 });
    const logged = JSON.parse(lines.find((l) => l.includes('queue claim round failed'))!);
    assert.equal(logged.level, 40, 'logged as a warning (transient), not an error');
  });
});
