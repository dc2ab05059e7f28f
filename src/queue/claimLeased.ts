/** Claim, ack and lease renewal for the leased worker: short autocommit statements, no held transaction. */
import type { Queryable } from '../db/index.ts';
import type { JobRow } from './types.ts';

/** A leased job row: `lease_token` must accompany every later write. */
export interface LeasedJobRow extends JobRow {
  lease_token: string;
}

// Two sources, each through its own partial index: leases that expired (their worker died or
// stalled; reclaimed first) and ready pending jobs. The claim commits at once; the attempt is
// counted here so a job that keeps killing its worker still reaches the DLQ.
const CLAIM_SQL = `
WITH expired AS (
  SELECT id FROM jobs
  WHERE queue = $1 AND status = 'running' AND locked_until < now()
  ORDER BY locked_until, id
  LIMIT $2
  FOR UPDATE SKIP LOCKED
), ready AS (
  SELECT id FROM jobs
  WHERE queue = $1 AND status = 'pending' AND run_at <= now()
  ORDER BY run_at, id
  LIMIT $2
  FOR UPDATE SKIP LOCKED
), picked AS (
  (SELECT id FROM expired UNION ALL SELECT id FROM ready) LIMIT $2
)
UPDATE jobs j
SET status = 'running', attempts = j.attempts + 1, lease_token = gen_random_uuid(),
    locked_until = clock_timestamp() + $3 * interval '1 millisecond', updated_at = clock_timestamp()
FROM picked
WHERE j.id = picked.id
RETURNING j.id, j.queue, j.payload, j.attempts, j.max_attempts, j.created_at, j.lease_token`;

/** Lease up to `limit` jobs of `queue` for `leaseMs`; each gets a fresh lease token. */
export async function claimLeased(db: Queryable, queue: string, limit: number, leaseMs: number): Promise<LeasedJobRow[]> {
  if (limit <= 0) return [];
  const { rows } = await db.query<LeasedJobRow>(CLAIM_SQL, [queue, limit, Math.max(1, Math.round(leaseMs))]);
  return rows.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
}

/** Ack (delete) a leased job; false when the lease was lost (expired and reclaimed), so nothing is completed twice. */
export async function ackLeased(db: Queryable, id: string, leaseToken: string): Promise<boolean> {
  const res = await db.query('DELETE FROM jobs WHERE id = $1 AND lease_token = $2', [id, leaseToken]);
  return res.rowCount === 1;
}

/** Push the lease deadline to now + `leaseMs`; false when the lease is no longer ours. */
export async function extendLease(db: Queryable, id: string, leaseToken: string, leaseMs: number): Promise<boolean> {
  const res = await db.query(
    `UPDATE jobs SET locked_until = clock_timestamp() + $3 * interval '1 millisecond', updated_at = clock_timestamp()
     WHERE id = $1 AND lease_token = $2 AND status = 'running'`,
    [id, leaseToken, Math.max(1, Math.round(leaseMs))],
  );
  return res.rowCount === 1;
}
