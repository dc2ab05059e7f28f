/**
 * Accepting a sync for later: a 'queued' run row and a job on the sync queue, in one
 * transaction, so an accepted run is never lost and never runs without its row. Worker
 * processes run it (createSyncWorker); the API process only records it.
 */
import type { SourceName } from '../config.ts';
import type { SyncMode, SyncTarget } from '../connectors/index.ts';
import { defaultConnectionId } from '../connections/index.ts';
import { withDbRetry, withTransaction, type Pool, type Queryable, type TransactionContext } from '../db/index.ts';
import { enqueue } from '../queue/index.ts';
import { insertRun } from './runs.ts';
import { targetLabel } from './runTargetedSync.ts';
import { SYNC_QUEUE, type SyncJobPayload } from './types.ts';

/** A sync to accept. */
export interface SyncRequest {
  source: SourceName;
  /** The connection to sync (default: the source's default connection). */
  connectionId?: string;
  mode: SyncMode;
  trigger: string;
  /** A targeted run (runTargetedSync) instead of the streams. */
  target?: SyncTarget;
}

/** Inside the caller's transaction: record a queued run and enqueue its job; returns the run id. */
export async function recordAcceptedSync(tx: Queryable, req: SyncRequest): Promise<string> {
  const entity = req.target ? targetLabel(req.target) : '*';
  const connectionId = req.connectionId ?? defaultConnectionId(req.source);
  const runId = await insertRun(tx, { source: req.source, connectionId, entity, mode: req.mode, status: 'queued', trigger: req.trigger });
  // Two attempts: a worker that dies mid-run gets its job re-run once (the orphaned run resumes
  // under the same id); a run that fails is reported as failed and the next tick syncs again.
  await enqueue(tx, SYNC_QUEUE, { runId, source: req.source, connectionId, mode: req.mode, ...(req.target ? { target: req.target } : {}) } satisfies SyncJobPayload, { maxAttempts: 2 });
  return runId;
}

/** Runs inside the accepting transaction once the run is recorded (the API stores its 202 there). */
export type BeforeAcceptCommit = (tx: Queryable, runId: string, ctx: TransactionContext) => Promise<void> | void;

/**
 * Record a queued run and enqueue its job in one transaction (with `beforeCommit`'s writes);
 * returns the run id. A transient failure retries the whole transaction: if a lost COMMIT
 * acknowledgement hid a committed run, the API's idempotent store in the retry refuses.
 */
export function acceptSync(pool: Pool, req: SyncRequest, beforeCommit?: BeforeAcceptCommit): Promise<string> {
  return withDbRetry(() =>
    withTransaction(pool, async (tx, ctx) => {
      const runId = await recordAcceptedSync(tx, req);
      if (beforeCommit) await beforeCommit(tx, runId, ctx);
      return runId;
    }),
  );
}
