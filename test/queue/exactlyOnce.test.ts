import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { createPool } from '../../src/db/index.ts';
import { createBatchWorker, enqueueMany, type RunResult, type Worker } from '../../src/queue/index.ts';

const JOBS = 10_000;
const CONSUMERS = 4;

describe('queue: concurrent consumers', () => {
  const db = useTestDb();
  before(async () => {
    // A duplicate delivery that committed would violate the primary key and be counted as a failure.
    await db.pool.query('CREATE TABLE eo_results (item int PRIMARY KEY, consumer int NOT NULL)');
  });

  it(`${CONSUMERS} consumers on separate pools × ${JOBS} jobs: every job processed exactly once`, async () => {
    await enqueueMany(db.pool, 'eo', Array.from({ length: JOBS }, (_, i) => ({ payload: { item: i } })));
    const workers: Worker[] = [];
    for (let c = 0; c < CONSUMERS; c++) {
      const pool = createPool(db.url, { max: 2, application: `eo-consumer-${c}` });
      db.onClose(() => pool.end());
      // Half the consumers handle job by job (savepoints), half in bulk: both paths must be exactly-once.
      workers.push(
        c % 2 === 0
          ? createBatchWorker<{ item: number }>({
              pool,
              queue: 'eo',
              batchSize: 250,
              handle: async (job, tx) => {
                await tx.query('INSERT INTO eo_results (item, consumer) VALUES ($1, $2)', [job.payload.item, c]);
              },
            })
          : createBatchWorker<{ item: number }>({
              pool,
              queue: 'eo',
              batchSize: 250,
              handleBatch: async (jobs, tx) => {
                await tx.query('INSERT INTO eo_results (item, consumer) SELECT i, $2 FROM unnest($1::int[]) AS i', [jobs.map((j) => j.payload.item), c]);
              },
            }),
      );
    }
    const drain = async (w: Worker): Promise<RunResult> => {
      const total: RunResult = { claimed: 0, processed: 0, failed: 0, dead: 0, lost: 0 };
      for (;;) {
        const r = await w.runOnce();
        for (const k of Object.keys(total) as Array<keyof RunResult>) total[k] += r[k];
        if (r.claimed > 0) continue;
        const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM jobs WHERE queue = 'eo'");
        if (rows[0]?.n === 0) return total;
        // Others hold the remaining rows; look again shortly.
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const totals = await Promise.all(workers.map(drain));
    const sum = totals.reduce((a, t) => ({ processed: a.processed + t.processed, failed: a.failed + t.failed, dead: a.dead + t.dead }), { processed: 0, failed: 0, dead: 0 });
    assert.deepEqual(sum, { processed: JOBS, failed: 0, dead: 0 }, 'acks add up to exactly one per job, no failures');
    const { rows } = await db.pool.query('SELECT count(*)::int AS n, count(DISTINCT item)::int AS distinct_items, min(item) AS lo, max(item) AS hi FROM eo_results');
    assert.deepEqual(rows[0], { n: JOBS, distinct_items: JOBS, lo: 0, hi: JOBS - 1 });
    const left = await db.pool.query<{ jobs: number; dead: number }>('SELECT (SELECT count(*) FROM jobs)::int AS jobs, (SELECT count(*) FROM dead_letters)::int AS dead');
    assert.deepEqual(left.rows[0], { jobs: 0, dead: 0 });
  });
});
