/** Claim and ack for the batch worker: row locks inside the caller's transaction. */
import type { Queryable } from '../db/index.ts';
import type { JobRow } from './types.ts';

// A fair claim across the queue's groups (enqueue's `group`, the connection for the ingest
// outbox; jobs without one form a single group ''). Oldest first across the whole queue let one
// group's backlog (a million-record backfill) hold every other group's fresh jobs behind it.
// One statement, in four steps:
//   heads — the groups with pending jobs, found by a skip scan over jobs_pending_group
//           (queue, COALESCE(group_key, ''), run_at, id): each step is one index descent to the
//           first entry of the next group, which is also that group's oldest job (due or not).
//           Cost grows with the number of groups with pending jobs, not with the backlog (one
//           group: two descents; 1,000 groups: ~1,000, about 10 ms on a 2-core machine).
//   ready — groups whose oldest job is due, at most `limit` of them, in key order starting after
//           `after` (where this consumer's previous claim stopped, returned as next_after and
//           compared in SQL, so in the index's collation) and wrapping around: with more groups
//           than slots, successive claims walk round-robin over all of them. Ordering by the
//           groups' oldest jobs instead would let the groups with old backlogs win every claim
//           and keep a fresh group out for as long as they last.
//   fair  — from each ready group its oldest due jobs, at most floor(limit / groups) (≥ 1: ready
//           holds at most `limit` groups), so the shares never add up to more than the batch.
//   rest  — the slots the groups left unused (small groups), filled oldest first over the
//           queue (jobs_pending), skipping what `fair` took.
// Both lock steps are FOR UPDATE SKIP LOCKED, so any number of consumers claim disjoint batches
// and a claim never waits on another's lock (no deadlock is possible in the claim); a group
// whose oldest jobs another consumer holds just yields its next ones. The lock is the claim: a
// consumer that dies (even SIGKILL) releases its rows the moment PostgreSQL drops its
// connection. The steps carry only (run_at, id); payloads are read once at the end, and the
// batch comes back in (run_at, id) order as before, so a handler sees a group's jobs in the
// order they were queued. Not taken: a lateral per row of a groups table (connections) ties the
// queue to one module's table and misses null groups; a window (row_number() per group) over
// the ready jobs reads the whole backlog on every claim.
const CLAIM_SQL = `
WITH RECURSIVE heads AS (
  (SELECT COALESCE(group_key, '') AS g, run_at, id FROM jobs
   WHERE queue = $1 AND status = 'pending'
   ORDER BY COALESCE(group_key, ''), run_at, id LIMIT 1)
  UNION ALL
  SELECT nx.g, nx.run_at, nx.id FROM heads h CROSS JOIN LATERAL (
    SELECT COALESCE(group_key, '') AS g, run_at, id FROM jobs
    WHERE queue = $1 AND status = 'pending' AND COALESCE(group_key, '') > h.g
    ORDER BY COALESCE(group_key, ''), run_at, id LIMIT 1) nx
), ready AS (
  SELECT g FROM heads WHERE run_at <= now() ORDER BY ($3::text IS NOT NULL AND g <= $3), g LIMIT $2::int
), quota AS (
  SELECT ($2::int / greatest(count(*), 1)::int) AS n FROM ready
), fair AS (
  SELECT j.run_at, j.id FROM ready r CROSS JOIN LATERAL (
    SELECT run_at, id FROM jobs
    WHERE queue = $1 AND status = 'pending' AND COALESCE(group_key, '') = r.g AND run_at <= now()
    ORDER BY run_at, id LIMIT (SELECT n FROM quota)
    FOR UPDATE SKIP LOCKED) j
), rest AS (
  SELECT run_at, id FROM jobs
  WHERE queue = $1 AND status = 'pending' AND run_at <= now() AND id NOT IN (SELECT id FROM fair)
  ORDER BY run_at, id LIMIT greatest(0, $2::int - (SELECT count(*) FROM fair))
  FOR UPDATE SKIP LOCKED
)
SELECT j.id, j.queue, j.payload, j.attempts, j.max_attempts, j.created_at,
  (SELECT g FROM ready ORDER BY ($3::text IS NOT NULL AND g <= $3) DESC, g DESC LIMIT 1) AS next_after
FROM (SELECT run_at, id FROM fair UNION ALL SELECT run_at, id FROM rest) c JOIN jobs j ON j.id = c.id
ORDER BY c.run_at, c.id`;

/** A claimed batch and where the consumer's next claim starts its walk over the groups. */
export interface ClaimedBatch {
  rows: JobRow[];
  /** Pass as `after` to the next claim: the last group this one served in its walk order. */
  after: string | null;
}

/**
 * Lock up to `limit` ready jobs of `queue` for the rest of the transaction `tx`: a bounded share
 * from each group with ready jobs; when groups outnumber `limit`, they take turns from after `after`.
 */
export async function claimBatch(tx: Queryable, queue: string, limit: number, after: string | null = null): Promise<ClaimedBatch> {
  const { rows } = await tx.query<JobRow & { next_after: string | null }>(CLAIM_SQL, [queue, limit, after]);
  return { rows, after: rows[0]?.next_after ?? after };
}

/** Ack (delete) jobs claimed in this transaction; done jobs are not kept (see the migration). */
export async function ackBatch(tx: Queryable, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await tx.query('DELETE FROM jobs WHERE id = ANY($1::bigint[])', [ids]);
  return res.rowCount ?? 0;
}
