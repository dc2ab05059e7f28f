/**
 * Batch worker for short handlers: one transaction claims up to `batchSize` jobs (row locks,
 * SKIP LOCKED), runs the handler per job under a SAVEPOINT, and acks in that same transaction,
 * so a job's effects and its ack commit together or not at all. A crash rolls everything back
 * and releases the locks at once; nothing is lost or done twice.
 */
import { withTransaction, type Pool, type PoolClient } from '../db/index.ts';
import { silentLogger, type Logger } from '../log.ts';
import { DEFAULT_BACKOFF } from './backoff.ts';
import { ackBatch, claimBatch } from './claimBatch.ts';
import { buryJobs, planFailure, retryJobs, type BuryItem, type RetryItem } from './fail.ts';
import { queueMetrics } from './stats.ts';
import { systemClock, toJob, type BackoffOptions, type Clock, type Job, type RunResult, type Worker } from './types.ts';
import { createWaker } from './waker.ts';
import { createWorkerLoop } from './workerLoop.ts';

/** What a batch handler may report: jobs it refused (they are failed; every other job is acked). */
export interface BatchOutcome {
  failed: Array<{ id: string; error: unknown }>;
}

/** Options shared by both handler styles. */
interface BatchWorkerCommon {
  pool: Pool;
  queue: string;
  /** Jobs per claim transaction (default 100). */
  batchSize?: number;
  /** Idle poll when no NOTIFY arrives (default 1000 ms). */
  pollIntervalMs?: number;
  /** Retry delays of transiently failed jobs (default 1 s doubling to 5 min, full jitter). */
  backoff?: BackoffOptions;
  /** [0,1) source for the jitter (tests pin it). */
  random?: () => number;
  logger?: Logger;
  clock?: Clock;
}

/** Options of {@link createBatchWorker}: a per-job `handle`, or a bulk `handleBatch`. */
export type BatchWorkerOptions<P> = BatchWorkerCommon &
  (
    | {
        /** Handle one job inside the claim transaction `tx` (under a savepoint); throw to fail it. */
        handle: (job: Job<P>, tx: PoolClient) => Promise<void>;
        handleBatch?: never;
      }
    | {
        /**
         * Handle the whole batch in one go (bulk upserts). Throwing rolls it back and the worker
         * falls back to calling it once per job under savepoints, isolating the bad job.
         */
        handleBatch: (jobs: Job<P>[], tx: PoolClient) => Promise<BatchOutcome | void>;
        handle?: never;
      }
  );

/** Create a batch worker on `opts.queue`. */
export function createBatchWorker<P = unknown>(opts: BatchWorkerOptions<P>): Worker {
  const { pool, queue } = opts;
  const batchSize = Math.max(1, opts.batchSize ?? 100);
  const pollIntervalMs = opts.pollIntervalMs ?? 1000;
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const random = opts.random ?? Math.random;
  const logger = (opts.logger ?? silentLogger).child({ queue, worker: 'batch' });
  const clock = opts.clock ?? systemClock;
  const bulk = opts.handleBatch;
  const single = opts.handle;
  if (!single && !bulk) throw new TypeError('createBatchWorker needs handle or handleBatch');
  const handleOne: (job: Job<P>, tx: PoolClient) => Promise<BatchOutcome | void> = single ?? ((job, tx) => (bulk ? bulk([job], tx) : Promise.reject(new TypeError('createBatchWorker needs handle or handleBatch'))));

  // Where this worker's next claim starts its round-robin walk over the queue's groups.
  let groupCursor: string | null = null;

  async function runOnce(): Promise<RunResult> {
    const result = await withTransaction(pool, async (tx) => {
      const claimed = await claimBatch(tx, queue, batchSize, groupCursor);
      groupCursor = claimed.after;
      const rows = claimed.rows;
      if (rows.length === 0) return { claimed: 0, acked: [], retries: [], buried: [] };
      const jobs = rows.map((r) => toJob<P>(r, r.attempts + 1));
      const failures = bulk && jobs.length > 1 ? await tryWholeBatch(bulk, jobs, tx) : null;
      const errors = failures ?? (await runEachUnderSavepoint(jobs, tx));
      const retries: RetryItem[] = [];
      const buried: BuryItem[] = [];
      const acked: string[] = [];
      for (const job of jobs) {
        if (!errors.has(job.id)) {
          acked.push(job.id);
          continue;
        }
        const err = errors.get(job.id);
        const plan = planFailure(err, job.attempts, job.maxAttempts, backoff, random);
        logger.warn({ jobId: job.id, attempt: job.attempts, err, action: plan.action }, 'job failed');
        if (plan.action === 'retry') retries.push({ id: job.id, leaseToken: null, attempts: job.attempts, delayMs: plan.delayMs, error: plan.error });
        else buried.push({ id: job.id, leaseToken: null, attempts: job.attempts, reason: plan.reason, error: plan.error });
      }
      await ackBatch(tx, acked);
      await retryJobs(tx, retries);
      await buryJobs(tx, buried);
      return { claimed: jobs.length, acked, retries, buried };
    });
    // Counted only once the transaction committed.
    queueMetrics.processed.inc({ queue }, result.acked.length);
    if (result.retries.length) queueMetrics.failed.inc({ queue, kind: 'transient' }, result.retries.length);
    for (const b of result.buried) queueMetrics.failed.inc({ queue, kind: b.reason === 'permanent' ? 'permanent' : 'transient' });
    if (result.buried.length) queueMetrics.dead.inc({ queue }, result.buried.length);
    return { claimed: result.claimed, processed: result.acked.length, failed: result.retries.length, dead: result.buried.length, lost: 0 };
  }

  // Fast path: the whole batch under one savepoint. Null means "it threw; isolate per job".
  async function tryWholeBatch(fn: NonNullable<typeof bulk>, jobs: Job<P>[], tx: PoolClient): Promise<Map<string, unknown> | null> {
    await tx.query('SAVEPOINT buffalo_batch');
    try {
      const outcome = await fn(jobs, tx);
      await tx.query('RELEASE SAVEPOINT buffalo_batch');
      return new Map((outcome?.failed ?? []).map((f) => [f.id, f.error]));
    } catch (err) {
      // Throws (aborting the whole batch) only if the connection itself is gone.
      await tx.query('ROLLBACK TO SAVEPOINT buffalo_batch');
      logger.debug({ err }, 'batch handler failed; isolating jobs one by one');
      return null;
    }
  }

  // One savepoint per job: a failing job's writes are undone and the transaction stays usable
  // for the others and for recording the failure.
  async function runEachUnderSavepoint(jobs: Job<P>[], tx: PoolClient): Promise<Map<string, unknown>> {
    const errors = new Map<string, unknown>();
    for (const job of jobs) {
      await tx.query('SAVEPOINT buffalo_job');
      try {
        const outcome = await handleOne(job, tx);
        const refused = outcome?.failed.find((f) => f.id === job.id);
        if (refused) {
          await tx.query('ROLLBACK TO SAVEPOINT buffalo_job');
          errors.set(job.id, refused.error);
        } else {
          await tx.query('RELEASE SAVEPOINT buffalo_job');
        }
      } catch (err) {
        // If the connection itself is gone this throws and the whole batch rolls back.
        await tx.query('ROLLBACK TO SAVEPOINT buffalo_job');
        errors.set(job.id, err);
      }
    }
    return errors;
  }

  // A full batch means more may be waiting: claim again at once.
  const round = async () => (await runOnce()).claimed >= batchSize;
  return createWorkerLoop({ queue, pool, runOnce, round, roundFailed: 'queue claim round failed; retrying', pollIntervalMs, waker: createWaker(clock), logger, clock });
}
