/**
 * The worker that runs accepted reconciliations in worker processes: a leased worker on the
 * reconcile queue (a walk of a whole upstream lasts minutes at its rate limit and must not hold
 * a transaction); the lease is extended while it goes, and stopping cancels the walk.
 */
import type { IngestDeps } from '../ingest/index.ts';
import { createLeasedWorker, type Worker } from '../queue/index.ts';
import { RECONCILE_QUEUE, requeueReconciliation, type ReconcileJobPayload } from './acceptReconciliation.ts';
import { runReconciliation } from './runReconciliation.ts';

/** Options of {@link createReconcileWorker}. */
export interface ReconcileWorkerOptions {
  concurrency?: number;
  leaseMs?: number;
  pollIntervalMs?: number;
}

/** Create the reconciliation worker (`runOnce()` for tests). */
export function createReconcileWorker(deps: IngestDeps, opts: ReconcileWorkerOptions = {}): Worker {
  const leaseMs = opts.leaseMs ?? 60_000;
  return createLeasedWorker<ReconcileJobPayload>({
    pool: deps.pool,
    queue: RECONCILE_QUEUE,
    leaseMs,
    concurrency: opts.concurrency ?? 2,
    pollIntervalMs: opts.pollIntervalMs ?? 1000,
    logger: deps.logger.child({ component: 'reconcile.worker' }),
    async handle(job, lease) {
      const timer = setInterval(() => void lease.extendLease().catch(() => undefined), Math.max(1000, Math.floor(leaseMs / 3)));
      try {
        const { reconciliationId, source, connectionId, repair } = job.payload;
        await runReconciliation(deps, { reconciliationId, source, ...(connectionId ? { connectionId } : {}), repair, signal: lease.signal, onInterrupted: () => requeueReconciliation(deps.pool, job.payload) });
      } finally {
        clearInterval(timer);
      }
    },
  });
}
