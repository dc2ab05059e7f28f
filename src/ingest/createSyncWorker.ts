/**
 * The worker that runs accepted syncs (trigger endpoint, scheduler) in worker processes: a
 * leased worker on the sync queue, because a run lasts minutes and must not hold a transaction.
 * The job's lease is extended while the run goes; if the worker dies, the run's lease rows
 * expire (SYNC_LEASE_TTL_MS) and the next run marks the orphaned run failed. When the worker stops
 * (shutdown) a run in progress is cancelled: it ends within a moment — rate-limit and retry
 * waits included — as `failed` ("interrupted"), and its pages committed so far stay, so the
 * next run resumes from its cursor.
 */
import { createLeasedWorker, type Worker } from '../queue/index.ts';
import { runSync } from './runSync.ts';
import { SYNC_QUEUE, type IngestDeps, type SyncJobPayload } from './types.ts';

/** Options of {@link createSyncWorker}. */
export interface SyncWorkerOptions {
  /**
   * Runs at once in this process (default: config `SYNC_CONCURRENCY`). A run holds no database
   * connection between pages and mostly waits on its account's rate limit, so many are cheap;
   * each connection has at most one (its lease), and jobs are claimed oldest first, so one
   * connection's long backfill takes one slot while the others keep going.
   */
  concurrency?: number;
  leaseMs?: number;
  pollIntervalMs?: number;
}

/** Create the sync-run worker. */
export function createSyncWorker(deps: IngestDeps, opts: SyncWorkerOptions = {}): Worker {
  // The job's lease and the run's lease expire together: a dead worker's run is reclaimed about
  // when its streams are free again.
  const leaseMs = opts.leaseMs ?? deps.config.sync.leaseTtlMs;
  return createLeasedWorker<SyncJobPayload>({
    pool: deps.pool,
    queue: SYNC_QUEUE,
    leaseMs,
    concurrency: opts.concurrency ?? deps.config.sync.concurrency,
    pollIntervalMs: opts.pollIntervalMs ?? 1000,
    logger: deps.logger.child({ component: 'ingest.sync-worker' }),
    async handle(job, lease) {
      const timer = setInterval(() => void lease.extendLease().catch(() => undefined), Math.max(1000, Math.floor(leaseMs / 3)));
      try {
        await runSync(deps, { runId: job.payload.runId, source: job.payload.source, ...(job.payload.connectionId ? { connectionId: job.payload.connectionId } : {}), mode: job.payload.mode, signal: lease.signal, ...(job.payload.target ? { target: job.payload.target } : {}) });
      } finally {
        clearInterval(timer);
      }
    },
  });
}
