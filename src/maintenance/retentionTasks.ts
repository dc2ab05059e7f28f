/**
 * Every table that grows with time, how long it keeps rows and who prunes it: the one list the
 * maintenance loop runs and docs/runbooks/retention.md describes. Each module owns its table's
 * DELETE; this list only decides when.
 */
import { pruneChanges } from '../changes/index.ts';
import type { Config } from '../config.ts';
import type { Queryable } from '../db/index.ts';
import { purgeExpiredIdempotencyKeys } from '../http/index.ts';
import { pruneSchedulerTicks, pruneSyncRuns, pruneWebhookEvents } from '../ingest/index.ts';
import { purgeProcessedEvents } from '../orders/index.ts';
import { pruneReplayedDeadLetters } from '../queue/index.ts';
import { pruneReconciliations } from '../reconcile/index.ts';
import { purgeDeliveredWebhooks } from '../webhooks/index.ts';

/** One growing table's retention. */
export interface RetentionTask {
  /** The table pruned. */
  table: string;
  /** The variable that sets its retention (null: rows carry their own expiry). */
  setting: string | null;
  /** Remove the rows past retention as of `now`; returns how many. */
  prune(db: Queryable, now: Date): Promise<number>;
}

const DAY_MS = 86_400_000;
const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);

/** The retention of every growing table under `config`. */
export function retentionTasks(config: Config): RetentionTask[] {
  const r = config.retention;
  return [
    { table: 'idempotency_keys', setting: null, prune: (db) => purgeExpiredIdempotencyKeys(db) },
    { table: 'sync_runs', setting: 'SYNC_RUNS_RETENTION_DAYS', prune: (db, now) => pruneSyncRuns(db, daysBefore(now, r.syncRunsDays)) },
    { table: 'webhook_events', setting: 'WEBHOOK_EVENTS_RETENTION_DAYS', prune: (db, now) => pruneWebhookEvents(db, daysBefore(now, r.webhookEventsDays)) },
    { table: 'scheduler_ticks', setting: 'SCHEDULER_TICKS_RETENTION_DAYS', prune: (db, now) => pruneSchedulerTicks(db, daysBefore(now, r.schedulerTicksDays)) },
    { table: 'dead_letters', setting: 'DEAD_LETTERS_RETENTION_DAYS', prune: (db, now) => pruneReplayedDeadLetters(db, daysBefore(now, r.replayedDeadLettersDays)) },
    { table: 'processed_events', setting: 'PROCESSED_EVENTS_RETENTION_DAYS', prune: (db, now) => purgeProcessedEvents(db, daysBefore(now, r.processedEventsDays)) },
    { table: 'reconciliations', setting: 'RECONCILIATIONS_RETENTION_DAYS', prune: (db, now) => pruneReconciliations(db, daysBefore(now, r.reconciliationsDays)) },
    { table: 'webhook_deliveries', setting: 'WEBHOOK_DELIVERIES_RETENTION_DAYS', prune: (db, now) => purgeDeliveredWebhooks(db, daysBefore(now, r.webhookDeliveriesDays)) },
    { table: 'changes', setting: 'CHANGES_RETENTION_DAYS', prune: (db, now) => pruneChanges(db, daysBefore(now, r.changesDays)) },
  ];
}
