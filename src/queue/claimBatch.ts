/** Claim and ack for the batch worker: row locks inside the caller's transaction. */
import type { Queryable } from '../db/index.ts';
import type { JobRow } from './types.ts';

// Served by jobs_pending (queue, run_at, id) WHERE status = 'pending'. SKIP LOCKED lets any
// number of consumers claim disjoint batches; the lock is the claim, so a consumer that dies
// (even SIGKILL) releases its rows the moment PostgreSQL drops its connection.
const CLAIM_SQL = `
SELECT id, queue, payload, attempts, max_attempts, created_at
FROM jobs
WHERE queue = $1 AND status = 'pending' AND run_at <= now()
ORDER BY run_at, id
LIMIT $2
FOR UPDATE SKIP LOCKED`;

/** Lock up to `limit` ready jobs of `queue` for the rest of the transaction `tx`. */
export async function claimBatch(tx: Queryable, queue: string, limit: number): Promise<JobRow[]> {
  const { rows } = await tx.query<JobRow>(CLAIM_SQL, [queue, limit]);
  return rows;
}

/** Ack (delete) jobs claimed in this transaction; done jobs are not kept (see the migration). */
export async function ackBatch(tx: Queryable, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await tx.query('DELETE FROM jobs WHERE id = ANY($1::bigint[])', [ids]);
  return res.rowCount ?? 0;
}
