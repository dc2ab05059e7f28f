/**
 * Dropping the waiting jobs of something that no longer exists (a removed connection's records
 * and runs). Only pending jobs go: a job a worker holds (a batch claim's row lock, a lease) is
 * waited for or left to its worker, so nothing is dropped half-done.
 */
import type { Queryable } from '../db/index.ts';

/** Delete the pending jobs of `queue` whose payload field `field` equals `value`; returns how many. */
export async function discardJobs(db: Queryable, queue: string, field: string, value: string): Promise<number> {
  const res = await db.query(`DELETE FROM jobs WHERE queue = $1 AND status = 'pending' AND payload->>$2 = $3`, [queue, field, value]);
  return res.rowCount ?? 0;
}
