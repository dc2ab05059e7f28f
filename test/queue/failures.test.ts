import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { useTestDb } from '../helpers/testResources.ts';
import { createBatchWorker, enqueue, enqueueMany, listDeadLetters, PermanentError, type Job } from '../../src/queue/index.ts';
import type { PoolClient } from '../../src/db/index.ts';

interface Item {
  item: number;
  fail?: 'permanent' | 'flag' | 'zod' | 'transient';
  amount?: unknown;
}

// The handler writes its effect first, then fails as told: a failing job's write must vanish.
async function handler(job: Job<Item>, tx: PoolClient): Promise<void> {
  await tx.query('INSERT INTO f_results (queue, item) VALUES ($1, $2)', [job.queue, job.payload.item]);
  switch (job.payload.fail) {
    case 'permanent':
      throw new PermanentError(`amount "${String(job.payload.amount)}" is not a decimal`);
    case 'flag':
      throw Object.assign(new Error('upstream says: record deleted'), { permanent: true });
    case 'zod':
      z.object({ amount: z.number() }).parse(job.payload);
      return;
    case 'transient':
      throw new Error('connection reset by peer (simulated)');
  }
}

describe('queue failures: permanent → DLQ at once, transient → backoff then DLQ', () => {
  const db = useTestDb();
  before(async () => {
    await db.pool.query('CREATE TABLE f_results (queue text, item int, UNIQUE (queue, item))');
  });

  const results = async (queue: string) =>
    (await db.pool.query<{ item: number }>('SELECT item FROM f_results WHERE queue = $1 ORDER BY item', [queue])).rows.map((r) => r.item);
  const jobsLeft = async (queue: string) => (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs WHERE queue = $1', [queue])).rows[0]?.n;

  it('permanent errors (PermanentError, permanent:true, ZodError) go to the DLQ at once with the exact error and raw payload; the rest of the batch commits', async () => {
    const q = 'perm';
    const payloads: Item[] = [
      { item: 1 },
      { item: 2, fail: 'permanent', amount: '12,50' },
      { item: 3 },
      { item: 4, fail: 'flag' },
      { item: 5, fail: 'zod', amount: 'abc' },
      { item: 6 },
    ];
    await enqueueMany(db.pool, q, payloads.map((payload) => ({ payload })));
    const worker = createBatchWorker<Item>({ pool: db.pool, queue: q, batchSize: 10, handle: handler });
    const r = await worker.runOnce();
    assert.deepEqual(r, { claimed: 6, processed: 3, failed: 0, dead: 3, lost: 0 });
    assert.deepEqual(await results(q), [1, 3, 6], 'failed jobs left no writes; good ones committed');
    assert.equal(await jobsLeft(q), 0);

    const { items } = await listDeadLetters(db.pool, { queue: q });
    const byItem = new Map(items.map((d) => [(d.payload as Item).item, d]));
    assert.equal(items.length, 3);
    const perm = byItem.get(2)!;
    assert.deepEqual(perm.payload, payloads[1], 'raw payload kept as enqueued');
    assert.equal(perm.error.message, 'amount "12,50" is not a decimal');
    assert.equal(perm.error.name, 'PermanentError');
    assert.match(perm.error.stack ?? '', /^PermanentError: amount/);
    assert.equal(perm.reason, 'permanent');
    assert.equal(perm.attempts, 1);
    assert.equal(byItem.get(4)!.error.message, 'upstream says: record deleted');
    assert.equal(byItem.get(4)!.reason, 'permanent');
    const zodDead = byItem.get(5)!;
    assert.equal(zodDead.error.name, 'ZodError');
    assert.equal(zodDead.reason, 'permanent');
    assert.deepEqual((zodDead.error.details as { issues: Array<{ path: string[] }> }).issues[0]?.path, ['amount']);
  });

  it('transient errors are retried with exponential backoff (run_at = now + base·2^(n-1)) and go to the DLQ after 5 attempts', async () => {
    const q = 'transient';
    const { id } = await enqueue(db.pool, q, { item: 1, fail: 'transient' });
    const worker = createBatchWorker<Item>({ pool: db.pool, queue: q, handle: handler, backoff: { baseMs: 1000, maxMs: 60_000 }, random: () => 1 });
    for (let attempt = 1; attempt <= 4; attempt++) {
      const r = await worker.runOnce();
      assert.deepEqual(r, { claimed: 1, processed: 0, failed: 1, dead: 0, lost: 0 }, `attempt ${attempt}`);
      const { rows } = await db.pool.query('SELECT attempts, last_error, status, round(extract(epoch FROM run_at - updated_at) * 1000)::int AS delay_ms FROM jobs WHERE id = $1', [id]);
      assert.deepEqual(rows[0], { attempts: attempt, last_error: 'Error: connection reset by peer (simulated)', status: 'pending', delay_ms: 1000 * 2 ** (attempt - 1) });
      assert.equal((await worker.runOnce()).claimed, 0, 'not claimable before its run_at');
      // Fast-forward the backoff instead of waiting for it.
      await db.pool.query('UPDATE jobs SET run_at = now() WHERE id = $1', [id]);
    }
    const last = await worker.runOnce();
    assert.deepEqual(last, { claimed: 1, processed: 0, failed: 0, dead: 1, lost: 0 });
    assert.equal(await jobsLeft(q), 0);
    assert.deepEqual(await results(q), [], 'no attempt left a write behind');
    const { items } = await listDeadLetters(db.pool, { queue: q });
    assert.equal(items.length, 1);
    assert.equal(items[0]!.attempts, 5);
    assert.equal(items[0]!.reason, 'exhausted');
    assert.equal(items[0]!.error.message, 'connection reset by peer (simulated)');
    assert.equal(items[0]!.jobId, id);
  });

  it('a job that succeeds after 2 transient failures is stored exactly once', async () => {
    const q = 'flaky';
    await enqueue(db.pool, q, { item: 7 });
    let calls = 0;
    const worker = createBatchWorker<Item>({
      pool: db.pool,
      queue: q,
      backoff: { baseMs: 1, maxMs: 1 },
      handle: async (job, tx) => {
        calls++;
        await tx.query('INSERT INTO f_results (queue, item) VALUES ($1, $2)', [job.queue, job.payload.item]);
        if (job.attempts <= 2) throw new Error(`lock timeout on attempt ${job.attempts}`);
      },
    });
    const totals = { processed: 0, failed: 0, dead: 0 };
    for (let round = 0; round < 50 && totals.processed === 0; round++) {
      const r = await worker.runOnce();
      totals.processed += r.processed;
      totals.failed += r.failed;
      totals.dead += r.dead;
      if (r.claimed === 0) await db.pool.query('UPDATE jobs SET run_at = now() WHERE queue = $1', [q]);
    }
    assert.deepEqual(totals, { processed: 1, failed: 2, dead: 0 });
    assert.equal(calls, 3);
    assert.deepEqual(await results(q), [7]);
    assert.equal(await jobsLeft(q), 0);
    assert.equal((await listDeadLetters(db.pool, { queue: q })).items.length, 0);
  });

  it('handleBatch: a throwing bulk handler falls back to per-job savepoints so only the bad job fails; refused jobs are failed', async () => {
    const q = 'bulk';
    await enqueueMany(db.pool, q, [1, 2, 3, 4, 5].map((i) => ({ payload: { item: i, value: i === 3 ? 'not-a-number' : String(i * 10) } })));
    await enqueue(db.pool, q, { item: 6, value: '60', refuse: true });
    let bulkCalls = 0;
    const worker = createBatchWorker<{ item: number; value: string; refuse?: boolean }>({
      pool: db.pool,
      queue: q,
      batchSize: 10,
      handleBatch: async (jobs, tx) => {
        bulkCalls++;
        const ok = jobs.filter((j) => !j.payload.refuse);
        // One statement for the whole batch; the ::int cast of 'not-a-number' fails it (22P02).
        await tx.query('INSERT INTO f_results (queue, item) SELECT $1, (v::int / 10) FROM unnest($2::text[]) AS v', [q, ok.map((j) => j.payload.value)]);
        return { failed: jobs.filter((j) => j.payload.refuse).map((j) => ({ id: j.id, error: new PermanentError('refused by validation') })) };
      },
    });
    const r = await worker.runOnce();
    assert.deepEqual(r, { claimed: 6, processed: 4, failed: 0, dead: 2, lost: 0 });
    assert.equal(bulkCalls, 1 + 6, 'one bulk attempt, then one call per job');
    assert.deepEqual(await results(q), [1, 2, 4, 5]);
    const dead = (await listDeadLetters(db.pool, { queue: q })).items;
    const bad = dead.find((d) => (d.payload as { item: number }).item === 3)!;
    assert.equal(bad.reason, 'permanent', 'invalid input syntax (SQLSTATE 22P02) is deterministic');
    assert.match(bad.error.message, /invalid input syntax for type integer/);
    assert.deepEqual(bad.error.details, { code: '22P02' });
    assert.equal(dead.find((d) => (d.payload as { item: number }).item === 6)?.error.message, 'refused by validation');
  });
});
