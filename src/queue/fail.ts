/** What happens to a failed job: the pure decision, and the two set-based writes (retry, bury). */
import type { Queryable } from '../db/index.ts';
import { backoffMs } from './backoff.ts';
import { describeError, isPermanentError, type ErrorRecord } from './classify.ts';
import type { BackoffOptions } from './types.ts';

/** Why a job went to the dead-letter table. */
export type DeadReason = 'permanent' | 'exhausted' | 'lease_expired';

/** The outcome of one failed attempt. */
export type FailurePlan =
  | { action: 'retry'; delayMs: number; error: ErrorRecord }
  | { action: 'bury'; reason: DeadReason; error: ErrorRecord };

/**
 * Decide a failed attempt (pure): permanent errors are buried at once, transient ones retried
 * with backoff until attempt `maxAttempts`, then buried as exhausted.
 */
export function planFailure(err: unknown, attempt: number, maxAttempts: number, backoff: BackoffOptions, random: () => number = Math.random): FailurePlan {
  const error = describeError(err);
  if (isPermanentError(err)) return { action: 'bury', reason: 'permanent', error };
  if (attempt >= maxAttempts) return { action: 'bury', reason: 'exhausted', error };
  return { action: 'retry', delayMs: backoffMs(attempt, backoff, random), error };
}

/** A job to reschedule; `leaseToken` is required for leased jobs (null for batch-claimed ones). */
export interface RetryItem {
  id: string;
  leaseToken: string | null;
  attempts: number;
  delayMs: number;
  error: ErrorRecord;
}

/** A job to move to the DLQ. */
export interface BuryItem {
  id: string;
  leaseToken: string | null;
  attempts: number;
  reason: DeadReason;
  error: ErrorRecord;
}

// run_at is computed from the database clock (authoritative for every consumer). The lease
// token must still match: a leased job reclaimed by someone else is not touched.
const RETRY_SQL = `
UPDATE jobs j
SET status = 'pending', attempts = i.attempts, run_at = c.ts + i.delay_ms * interval '1 millisecond',
    last_error = i.error, lease_token = NULL, locked_until = NULL, updated_at = c.ts
FROM jsonb_to_recordset($1::jsonb) AS i(id bigint, lease_token uuid, attempts int, delay_ms bigint, error text),
     (SELECT clock_timestamp() AS ts) c
WHERE j.id = i.id AND j.lease_token IS NOT DISTINCT FROM i.lease_token
RETURNING j.id`;

/** Reschedule failed jobs (attempts recorded, run_at = now + delay); returns the ids actually updated. */
export async function retryJobs(db: Queryable, items: readonly RetryItem[]): Promise<string[]> {
  if (items.length === 0) return [];
  const json = items.map((i) => ({ id: i.id, lease_token: i.leaseToken, attempts: i.attempts, delay_ms: i.delayMs, error: `${i.error.name}: ${i.error.message}` }));
  const { rows } = await db.query<{ id: string }>(RETRY_SQL, [JSON.stringify(json)]);
  return rows.map((r) => r.id);
}

// Move = delete + insert in one statement, so a job is never both outstanding and dead.
const BURY_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(id bigint, lease_token uuid, attempts int, reason text,
    error_name text, error_message text, error_stack text, error_details jsonb)
), gone AS (
  DELETE FROM jobs j USING input i
  WHERE j.id = i.id AND j.lease_token IS NOT DISTINCT FROM i.lease_token
  RETURNING j.id, j.queue, j.payload, j.dedupe_key, j.max_attempts, j.replay_of, j.created_at, j.group_key
)
INSERT INTO dead_letters (queue, job_id, payload, dedupe_key, reason, error_name, error_message, error_stack,
  error_details, attempts, max_attempts, replay_of, job_created_at, group_key)
SELECT g.queue, g.id, g.payload, g.dedupe_key, i.reason, i.error_name, i.error_message, i.error_stack,
  i.error_details, i.attempts, g.max_attempts, g.replay_of, g.created_at, g.group_key
FROM gone g JOIN input i ON i.id = g.id
RETURNING job_id`;

/** Move jobs to the dead-letter table with their raw payload and exact error; returns the job ids moved. */
export async function buryJobs(db: Queryable, items: readonly BuryItem[]): Promise<string[]> {
  if (items.length === 0) return [];
  const json = items.map((i) => ({
    id: i.id,
    lease_token: i.leaseToken,
    attempts: i.attempts,
    reason: i.reason,
    error_name: i.error.name,
    error_message: i.error.message,
    error_stack: i.error.stack,
    error_details: i.error.details,
  }));
  const { rows } = await db.query<{ job_id: string }>(BURY_SQL, [JSON.stringify(json)]);
  return rows.map((r) => r.job_id);
}
