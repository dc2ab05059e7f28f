/**
 * Retention of ingestion's history tables (run by the maintenance loop, src/maintenance): sync
 * runs, accepted Stripe webhook event ids and scheduler ticks. Cursors, record hashes and raw
 * payloads are per record, not history: they stay as long as their records.
 */
import { deleteInBatches, type Queryable } from '../db/index.ts';

// A run that is still queued or running is never pruned, nor the newest run of each status per
// connection: "last success", "last failure" and the dashboard's last run read those however old.
const SYNC_RUNS_SQL = `
DELETE FROM sync_runs WHERE ctid = ANY(ARRAY(
  SELECT r.ctid FROM sync_runs r
   WHERE r.created_at < $1 AND r.status NOT IN ('queued', 'running')
     AND EXISTS (SELECT 1 FROM sync_runs n WHERE n.connection_id = r.connection_id AND n.status = r.status AND n.created_at > r.created_at)
   LIMIT $2))`;

/** Delete finished sync runs (and their tallies) created before `before`, but the newest of each status per connection. */
export function pruneSyncRuns(db: Queryable, before: Date): Promise<number> {
  return deleteInBatches(db, SYNC_RUNS_SQL, [before]);
}

// Stripe retries a delivery for up to three days: an id older than that cannot come back.
const WEBHOOK_EVENTS_SQL = `DELETE FROM webhook_events WHERE ctid = ANY(ARRAY(SELECT ctid FROM webhook_events WHERE received_at < $1 LIMIT $2))`;

/** Delete accepted webhook event ids received before `before`. */
export function pruneWebhookEvents(db: Queryable, before: Date): Promise<number> {
  return deleteInBatches(db, WEBHOOK_EVENTS_SQL, [before]);
}

// A tick only guards its own slot (an hour, a day, a sync interval): older ones guard nothing.
const SCHEDULER_TICKS_SQL = `DELETE FROM scheduler_ticks WHERE ctid = ANY(ARRAY(SELECT ctid FROM scheduler_ticks WHERE fired_at < $1 LIMIT $2))`;

/** Delete scheduler ticks fired before `before`. */
export function pruneSchedulerTicks(db: Queryable, before: Date): Promise<number> {
  return deleteInBatches(db, SCHEDULER_TICKS_SQL, [before]);
}
