/**
 * Accepting a reconciliation for later (API, scheduler): a 'queued' row and a job on the
 * reconcile queue in the caller's transaction, so an accepted one is never lost; worker
 * processes run it (./createReconcileWorker.ts).
 */
import type { SourceName } from '../config.ts';
import { defaultConnectionId } from '../connections/index.ts';
import { enqueue } from '../queue/index.ts';
import { withTransaction, type Pool, type Queryable } from '../db/index.ts';
import { insertReconciliation } from './reconciliations.ts';

/** The queue of accepted reconciliations. */
export const RECONCILE_QUEUE = 'reconcile';

/** Payload of a reconcile job. */
export interface ReconcileJobPayload {
  reconciliationId: string;
  source: SourceName;
  /** Absent on jobs that predate connections: the source's default connection. */
  connectionId?: string;
  repair: boolean;
}

/** Inside the caller's transaction: record a queued reconciliation and enqueue its job; returns its id. */
export async function recordAcceptedReconciliation(tx: Queryable, req: { source: SourceName; connectionId?: string; repair: boolean; trigger: string }): Promise<string> {
  const connectionId = req.connectionId ?? defaultConnectionId(req.source);
  const reconciliationId = await insertReconciliation(tx, { ...req, connectionId, status: 'queued' });
  // Two attempts, like a sync: a worker that dies mid-walk gets it re-run once under the same id.
  await enqueue(tx, RECONCILE_QUEUE, { reconciliationId, source: req.source, connectionId, repair: req.repair } satisfies ReconcileJobPayload, { maxAttempts: 2 });
  return reconciliationId;
}

/**
 * Put a reconciliation interrupted by a stopping worker back in the queue (status and a new job
 * in one transaction): the next worker walks it again from the start, under the same id.
 */
export async function requeueReconciliation(pool: Pool, job: ReconcileJobPayload): Promise<void> {
  await withTransaction(pool, async (tx) => {
    await tx.query(`UPDATE reconciliations SET status = 'queued', started_at = NULL WHERE id = $1 AND status = 'running'`, [job.reconciliationId]);
    await enqueue(tx, RECONCILE_QUEUE, job, { maxAttempts: 2 });
  });
}
