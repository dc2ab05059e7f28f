/**
 * Leased worker for long handlers that must not hold a transaction or a pooled connection
 * while they wait: the claim commits a lease (status running, locked_until, a random
 * lease_token); the handler runs outside any transaction; ack/fail only apply while the token
 * still matches, so a worker whose lease expired (and whose job was reclaimed) cannot
 * complete it a second time. Expired leases are reclaimed by later claims.
 */
import type { Pool } from '../db/index.ts';
import { silentLogger, type Logger } from '../log.ts';
import { DEFAULT_BACKOFF } from './backoff.ts';
import { ackLeased, claimLeased, extendLease, type LeasedJobRow } from './claimLeased.ts';
import { buryJobs, planFailure, retryJobs } from './fail.ts';
import { queueMetrics } from './stats.ts';
import { systemClock, toJob, type BackoffOptions, type Clock, type Job, type RunResult, type Worker } from './types.ts';
import { createWaker } from './waker.ts';
import { createWorkerLoop } from './workerLoop.ts';

/** What a leased handler gets besides the job. */
export interface LeaseContext {
  /** This lease's token (diagnostics). */
  leaseToken: string;
  /** Push the lease deadline to now + `ms` (default leaseMs); false if the lease was already lost. */
  extendLease(ms?: number): Promise<boolean>;
  /**
   * Fires when the worker is stopping. stop() waits for every handler; a long one (a sync that
   * would take minutes) should end early on it, leaving its work resumable.
   */
  signal: AbortSignal;
}

/** The reason `LeaseContext.signal` fires with. */
export class WorkerStoppingError extends Error {
  constructor(queue: string) {
    super(`the ${queue} worker is stopping`);
    this.name = 'WorkerStoppingError';
  }
}

/** Options of {@link createLeasedWorker}. */
export interface LeasedWorkerOptions<P> {
  pool: Pool;
  queue: string;
  /** Handle one job; runs outside any transaction. Throw to fail it. */
  handle: (job: Job<P>, ctx: LeaseContext) => Promise<void>;
  /** How long a claim is ours before others may reclaim it (default 30 s). */
  leaseMs?: number;
  /** Handlers running at once in this worker (default 10). */
  concurrency?: number;
  /** Idle poll when no NOTIFY arrives (default 1000 ms). */
  pollIntervalMs?: number;
  backoff?: BackoffOptions;
  random?: () => number;
  logger?: Logger;
  clock?: Clock;
}

type Outcome = 'processed' | 'failed' | 'dead' | 'lost';

/** Create a leased worker on `opts.queue`. */
export function createLeasedWorker<P = unknown>(opts: LeasedWorkerOptions<P>): Worker {
  const { pool, queue } = opts;
  const leaseMs = opts.leaseMs ?? 30_000;
  const concurrency = Math.max(1, opts.concurrency ?? 10);
  const pollIntervalMs = opts.pollIntervalMs ?? 1000;
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const random = opts.random ?? Math.random;
  const logger = (opts.logger ?? silentLogger).child({ queue, worker: 'leased' });
  const clock = opts.clock ?? systemClock;
  const waker = createWaker(clock);
  const inFlight = new Set<Promise<Outcome>>();
  let stopping = new AbortController();

  // A job whose previous lease expired on its last allowed attempt (its worker died or hung
  // every time) is not run again: it goes to the DLQ.
  async function runJob(row: LeasedJobRow): Promise<Outcome> {
    const token = row.lease_token;
    if (row.attempts > row.max_attempts) {
      const error = { name: 'LeaseExpiredError', message: `lease expired on the last of ${row.max_attempts} attempts (worker died or stalled)`, stack: null, details: null };
      const moved = await buryJobs(pool, [{ id: row.id, leaseToken: token, attempts: row.max_attempts, reason: 'lease_expired', error }]);
      if (moved.length === 0) return 'lost';
      queueMetrics.dead.inc({ queue });
      return 'dead';
    }
    const job = toJob<P>(row, row.attempts);
    const ctx: LeaseContext = { leaseToken: token, extendLease: (ms) => extendLease(pool, row.id, token, ms ?? leaseMs), signal: stopping.signal };
    let failure: { err: unknown } | null = null;
    try {
      await opts.handle(job, ctx);
    } catch (err) {
      failure = { err };
    }
    if (!failure) {
      if (await ackLeased(pool, row.id, token)) {
        queueMetrics.processed.inc({ queue });
        return 'processed';
      }
      logger.warn({ jobId: row.id }, 'late ack rejected: the lease expired and the job was reclaimed');
      return 'lost';
    }
    const plan = planFailure(failure.err, job.attempts, job.maxAttempts, backoff, random);
    logger.warn({ jobId: row.id, attempt: job.attempts, err: failure.err, action: plan.action }, 'job failed');
    const applied =
      plan.action === 'retry'
        ? await retryJobs(pool, [{ id: row.id, leaseToken: token, attempts: job.attempts, delayMs: plan.delayMs, error: plan.error }])
        : await buryJobs(pool, [{ id: row.id, leaseToken: token, attempts: job.attempts, reason: plan.reason, error: plan.error }]);
    if (applied.length === 0) {
      logger.warn({ jobId: row.id }, 'late failure rejected: the lease expired and the job was reclaimed');
      return 'lost';
    }
    const permanent = plan.action === 'bury' && plan.reason === 'permanent';
    queueMetrics.failed.inc({ queue, kind: permanent ? 'permanent' : 'transient' });
    if (plan.action === 'retry') return 'failed';
    queueMetrics.dead.inc({ queue });
    return 'dead';
  }

  // Track a job so stop() can wait for it; a write that fails (DB down) leaves the lease to expire.
  function launch(row: LeasedJobRow): Promise<Outcome> {
    const p: Promise<Outcome> = runJob(row)
      .catch((err: unknown) => {
        logger.error({ err, jobId: row.id }, 'could not record the job outcome; the lease will expire and the job be retried');
        return 'lost' as const;
      })
      .finally(() => {
        inFlight.delete(p);
        waker.wake();
      });
    inFlight.add(p);
    return p;
  }

  async function runOnce(): Promise<RunResult> {
    const rows = await claimLeased(pool, queue, concurrency - inFlight.size, leaseMs);
    const outcomes = await Promise.all(rows.map(launch));
    const count = (o: Outcome) => outcomes.filter((x) => x === o).length;
    return { claimed: rows.length, processed: count('processed'), failed: count('failed'), dead: count('dead'), lost: count('lost') };
  }

  // Keeps up to `concurrency` handlers busy: claims as slots free up (without waiting for the
  // handlers), sleeps otherwise; a finished handler wakes the loop.
  async function round(): Promise<boolean> {
    const free = concurrency - inFlight.size;
    if (free <= 0) return false;
    const rows = await claimLeased(pool, queue, free, leaseMs);
    for (const row of rows) void launch(row);
    return rows.length === free;
  }

  return createWorkerLoop({
    queue,
    pool,
    runOnce,
    round,
    roundFailed: 'queue claim failed; retrying',
    pollIntervalMs,
    waker,
    logger,
    clock,
    // The claim loop has ended: tell running handlers, wait for them, and arm a fresh signal
    // for a later start().
    drain: async () => {
      stopping.abort(new WorkerStoppingError(queue));
      await Promise.all([...inFlight]);
      stopping = new AbortController();
    },
  });
}
