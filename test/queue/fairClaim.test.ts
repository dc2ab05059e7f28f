/**
 * The batch claim is fair across groups (enqueue's `group`): each group with ready jobs gets at
 * most floor(batch / groups) slots, the slots left over go oldest first, more groups than slots
 * take turns over claims, and jobs without a group behave as one group (oldest first, as before).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { withTransaction } from '../../src/db/index.ts';
import { createBatchWorker, enqueue, enqueueMany, listDeadLetters, PermanentError, replayDeadLetter, type Worker } from '../../src/queue/index.ts';

interface Item {
  g: string | null;
  i: number;
  fail?: boolean;
}

describe('queue: fair batch claims across groups', () => {
  const db = useTestDb();

  // A worker that records every batch it handled, as (group, i) in the order handed to it.
  function recorder(queue: string, batchSize: number): { worker: Worker; batches: Item[][] } {
    const batches: Item[][] = [];
    const worker = createBatchWorker<Item>({
      pool: db.pool,
      queue,
      batchSize,
      pollIntervalMs: 60_000,
      async handleBatch(jobs) {
        batches.push(jobs.map((j) => j.payload));
        const failed = jobs.filter((j) => j.payload.fail).map((j) => ({ id: j.id, error: new PermanentError('refused') }));
        return { failed };
      },
    });
    return { worker, batches };
  }
  const items = (g: string | null, n: number, from = 0) => Array.from({ length: n }, (_, k) => ({ payload: { g, i: from + k }, ...(g === null ? {} : { group: g }) }));
  const tally = (batch: Item[]) => batch.reduce<Record<string, number>>((t, x) => ({ ...t, [x.g ?? 'none']: (t[x.g ?? 'none'] ?? 0) + 1 }), {});

  it('a small group enqueued after a big backlog gets its share of the first batch; leftover slots go to the backlog', async () => {
    await enqueueMany(db.pool, 'two', items('big', 300));
    await enqueueMany(db.pool, 'two', items('small', 10));
    await enqueueMany(db.pool, 'two', items('mid', 100));
    const { worker, batches } = recorder('two', 120);
    await worker.runOnce();
    // 3 groups → 40 slots each; small uses 10, its 30 spare slots go to the oldest jobs (big).
    assert.deepEqual(tally(batches[0]!), { big: 70, small: 10, mid: 40 });
    const big = batches[0]!.filter((x) => x.g === 'big').map((x) => x.i);
    assert.deepEqual(big, Array.from({ length: 70 }, (_, k) => k), "within a group, oldest first and in the batch's (run_at, id) order");
    await worker.runOnce();
    assert.deepEqual(tally(batches[1]!), { big: 60, mid: 60 }, 'two groups left: 60 each');
  });

  it('shares that do not divide the batch never add up to more than it (3 groups, batch 10: 3 each, 1 oldest first)', async () => {
    for (const g of ['a', 'b', 'c']) await enqueueMany(db.pool, 'uneven', items(g, 6));
    const { worker, batches } = recorder('uneven', 10);
    await worker.runOnce();
    assert.equal(batches[0]!.length, 10);
    assert.deepEqual(tally(batches[0]!), { a: 4, b: 3, c: 3 });
  });

  it('more groups than slots: groups take turns over claims, the oldest job of each group first', async () => {
    for (let g = 0; g < 30; g++) await enqueueMany(db.pool, 'many', items(`g${String(g).padStart(2, '0')}`, 3));
    const { worker, batches } = recorder('many', 10);
    for (let n = 0; n < 3; n++) await worker.runOnce();
    for (const b of batches) assert.equal(Object.keys(tally(b)).length, 10, 'one job from each of 10 groups');
    const reached = new Set(batches.flat().map((x) => x.g));
    assert.equal(reached.size, 30, 'three claims of 10 reached all 30 groups');
    assert.deepEqual(batches.flat().map((x) => x.i), Array(30).fill(0), "each group's oldest job first");
  });

  it('jobs without a group are one group: oldest first, as before; a delayed group is not due', async () => {
    await enqueueMany(db.pool, 'plain', items(null, 25));
    await enqueue(db.pool, 'plain', { g: 'later', i: 0 }, { group: 'later', runAt: new Date(Date.now() + 3_600_000) });
    await enqueue(db.pool, 'plain', { g: 'empty', i: 0 }, { group: '' });
    const { worker, batches } = recorder('plain', 10);
    await worker.runOnce();
    assert.deepEqual(batches[0]!.map((x) => x.i), Array.from({ length: 10 }, (_, k) => k));
    const { rows } = await db.pool.query("SELECT group_key FROM jobs WHERE queue = 'plain' AND payload->>'g' = 'empty'");
    assert.deepEqual(rows, [{ group_key: null }], "'' is no group");
    while ((await worker.runOnce()).claimed > 0);
    assert.equal(batches.flat().length, 26, 'the delayed job waits for its run_at');
  });

  it('concurrent claims take disjoint jobs and still a share of every group', async () => {
    await enqueueMany(db.pool, 'conc', items('a', 100));
    await enqueueMany(db.pool, 'conc', items('b', 100));
    const one = recorder('conc', 50);
    const two = recorder('conc', 50);
    // Hold the first claim's transaction open while the second claims.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = createBatchWorker<Item>({
      pool: db.pool,
      queue: 'conc',
      batchSize: 50,
      async handleBatch(jobs) {
        one.batches.push(jobs.map((j) => j.payload));
        await held;
      },
    });
    const running = first.runOnce();
    while (one.batches.length === 0) await new Promise((r) => setTimeout(r, 10));
    await two.worker.runOnce();
    release();
    await running;
    const [a, b] = [one.batches[0]!, two.batches[0]!];
    assert.deepEqual([tally(a), tally(b)], [{ a: 25, b: 25 }, { a: 25, b: 25 }]);
    const key = (x: Item) => `${x.g}:${x.i}`;
    assert.equal(new Set([...a, ...b].map(key)).size, 100, 'no job claimed twice');
  });

  it('a dead letter keeps its group, and its replay is grouped again', async () => {
    await enqueueMany(db.pool, 'dlq', [{ payload: { g: 'c1', i: 0, fail: true }, group: 'c1' }]);
    const { worker } = recorder('dlq', 10);
    await worker.runOnce();
    const dead = (await listDeadLetters(db.pool, { queue: 'dlq' })).items[0]!;
    const replay = await withTransaction(db.pool, (tx) => replayDeadLetter(tx, dead.id));
    const { rows } = await db.pool.query('SELECT group_key FROM jobs WHERE id = $1', [replay.jobId]);
    assert.deepEqual(rows, [{ group_key: 'c1' }]);
  });
});
