import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { registry } from '../../src/metrics.ts';
import {
  createBatchWorker,
  createLeasedWorker,
  enqueue,
  enqueueMany,
  listDeadLetters,
  PermanentError,
  queueStats,
  registerQueueMetrics,
  replayAll,
  replayDeadLetter,
} from '../../src/queue/index.ts';
import { gate } from './gate.ts';
import { waitFor } from '../helpers/waitFor.ts';

describe('queue: dead letters, replay, stats', () => {
  const db = useTestDb();
  let healed = false;
  before(async () => {
    await db.pool.query('CREATE TABLE d_results (queue text, item int, UNIQUE (queue, item))');
  });

  // Poison until "healed" (the fix was deployed); then records the item.
  const worker = (queue: string) =>
    createBatchWorker<{ item: number }>({
      pool: db.pool,
      queue,
      batchSize: 100,
      handle: async (job, tx) => {
        if (!healed) throw new PermanentError(`cannot map item ${job.payload.item}`);
        await tx.query('INSERT INTO d_results VALUES ($1, $2)', [queue, job.payload.item]);
      },
    });
  const bury = async (queue: string, items: number[]) => {
    healed = false;
    await enqueueMany(db.pool, queue, items.map((item) => ({ payload: { item } })));
    assert.equal((await worker(queue).runOnce()).dead, items.length);
  };

  it('replayDeadLetter re-enqueues the payload as a fresh job once; replaying the same id again does nothing', async () => {
    await bury('rp', [1]);
    const [dead] = (await listDeadLetters(db.pool, { queue: 'rp' })).items;
    assert.ok(dead);
    const first = await replayDeadLetter(db.pool, dead.id);
    assert.equal(first.replayed, true);
    assert.equal(first.found, true);
    assert.deepEqual(await replayDeadLetter(db.pool, dead.id), { replayed: false, found: true, jobId: null });
    const { rows } = await db.pool.query("SELECT id, attempts, payload, replay_of FROM jobs WHERE queue = 'rp'");
    assert.deepEqual(rows, [{ id: first.jobId, attempts: 0, payload: { item: 1 }, replay_of: dead.id }], 'exactly one new job, attempts 0, raw payload');
    healed = true;
    assert.equal((await worker('rp').runOnce()).processed, 1);
    assert.equal((await replayDeadLetter(db.pool, dead.id)).replayed, false);
    assert.equal((await db.pool.query("SELECT 1 FROM jobs WHERE queue = 'rp'")).rowCount, 0);
    assert.equal((await db.pool.query("SELECT 1 FROM d_results WHERE queue = 'rp'")).rowCount, 1);
    const [after] = (await listDeadLetters(db.pool, { queue: 'rp' })).items;
    assert.ok(after?.replayedAt instanceof Date);
    assert.deepEqual(await replayDeadLetter(db.pool, '999999999'), { replayed: false, found: false, jobId: null });
    assert.deepEqual(await replayDeadLetter(db.pool, 'nope'), { replayed: false, found: false, jobId: null });
  });

  it('concurrent replays of one dead letter make exactly one job', async () => {
    await bury('rpc', [1]);
    const [dead] = (await listDeadLetters(db.pool, { queue: 'rpc' })).items;
    const results = await Promise.all(Array.from({ length: 8 }, () => replayDeadLetter(db.pool, dead!.id)));
    assert.equal(results.filter((r) => r.replayed).length, 1);
    assert.equal((await db.pool.query("SELECT 1 FROM jobs WHERE queue = 'rpc'")).rowCount, 1);
  });

  it('replayAll replays every unreplayed dead letter (optionally of one queue) exactly once', async () => {
    await bury('ra', [1, 2, 3]);
    await bury('rb', [1, 2]);
    assert.deepEqual(await replayAll(db.pool, { queue: 'ra', batchSize: 2 }), { replayed: 3, enqueued: 3 });
    assert.equal((await listDeadLetters(db.pool, { queue: 'rb', replayed: false })).items.length, 2, 'other queues untouched');
    assert.deepEqual(await replayAll(db.pool), { replayed: 2, enqueued: 2 }, 'then all queues: the 2 of rb');
    assert.deepEqual(await replayAll(db.pool), { replayed: 0, enqueued: 0 });
    assert.equal((await db.pool.query("SELECT 1 FROM jobs WHERE queue IN ('ra', 'rb')")).rowCount, 5);
  });

  it('listDeadLetters pages newest first with a keyset cursor, without gaps or overlaps', async () => {
    await bury('pg', [1, 2, 3, 4, 5]);
    const seen: string[] = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    for (;;) {
      const page = await listDeadLetters(db.pool, { queue: 'pg', limit: 2, ...(cursor ? { cursor } : {}) });
      sizes.push(page.items.length);
      seen.push(...page.items.map((d) => d.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    assert.deepEqual(sizes, [2, 2, 1]);
    assert.equal(new Set(seen).size, 5);
    assert.deepEqual(seen, [...seen].sort((a, b) => Number(BigInt(b) - BigInt(a))), 'newest first');
    await assert.rejects(listDeadLetters(db.pool, { cursor: '1 OR 1=1' }), RangeError);
  });

  it('queueStats and the Prometheus gauges report pending, running and dead per queue', async () => {
    await enqueueMany(db.pool, 'st', [1, 2, 3].map((item) => ({ payload: { item } })));
    await enqueue(db.pool, 'st-later', { item: 1 }, { runAt: new Date(Date.now() + 3_600_000) });
    const held = gate();
    await enqueue(db.pool, 'st-lease', { item: 1 });
    const leased = createLeasedWorker({ pool: db.pool, queue: 'st-lease', handle: () => held.promise });
    const round = leased.runOnce();
    await waitFor('the lease', async () => (await db.pool.query("SELECT 1 FROM jobs WHERE queue = 'st-lease' AND status = 'running'")).rowCount === 1);
    await bury('st-dead', [1, 2]);
    const stats = new Map((await queueStats(db.pool)).map((s) => [s.queue, s]));
    const { oldestPendingAgeMs, ...st } = stats.get('st')!;
    assert.deepEqual(st, { queue: 'st', pending: 3, ready: 3, running: 0, dead: 0 });
    assert.ok(oldestPendingAgeMs >= 0);
    assert.deepEqual(stats.get('st-later'), { queue: 'st-later', pending: 1, ready: 0, running: 0, dead: 0, oldestPendingAgeMs: 0 });
    assert.equal(stats.get('st-lease')?.running, 1);
    assert.equal(stats.get('st-dead')?.dead, 2);

    registerQueueMetrics(db.pool);
    const text = await registry.metrics();
    assert.match(text, /buffalo_queue_depth\{queue="st",state="pending"\} 3/);
    assert.match(text, /buffalo_queue_depth\{queue="st-lease",state="running"\} 1/);
    assert.match(text, /buffalo_queue_depth\{queue="st-dead",state="dead"\} 2/);
    assert.match(text, /buffalo_queue_oldest_age_seconds\{queue="st"\} \d/);
    assert.match(text, /buffalo_queue_dead_total\{queue="st-dead"\} 2/);
    assert.match(text, /buffalo_queue_failed_total\{queue="st-dead",kind="permanent"\} 2/);
    held.open();
    assert.equal((await round).processed, 1);
    assert.match(await registry.metrics(), /buffalo_queue_processed_total\{queue="st-lease"\} 1/);
  });
});
