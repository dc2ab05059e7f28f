/**
 * The daily reconciliation: once per UTC day, from `hourUtc` on, a reconciliation (report only)
 * of every active connection of an enabled source is accepted; worker processes run it through
 * the connector, so the account's policy paces it within its rate limit. Safe with any number of
 * instances: each (connection, day) fires once (the ingest scheduler's insert-once ticks). `runOnce(now)` is what
 * the loop and the tests call.
 *
 * A connection whose first sync has not completed, or whose sync is running, is passed over
 * without claiming the day's slot: a later tick the same day reconciles it once it is synced and
 * idle. Compared before that, every row not yet written would read as missing and warn until
 * the next day's run.
 */
import type { SourceName } from '../config.ts';
import { fireOnce, runPeriodically, schedulableConnections, syncActivity, type IngestDeps, type SyncActivity } from '../ingest/index.ts';
import { systemClock, type Clock } from '../resilience/index.ts';
import { recordAcceptedReconciliation } from './acceptReconciliation.ts';

/** Options of {@link createReconcileScheduler}. */
export interface ReconcileSchedulerOptions {
  clock?: Clock;
  /** UTC hour from which the day's reconciliations fire (default 3: after the night's syncs). */
  hourUtc?: number;
  /** How often the loop ticks (default 60 s). */
  tickMs?: number;
}

/** Why a connection is not reconciled yet on this tick (null: it may be). */
function notReadyReason(syncs: SyncActivity): string | null {
  if (!syncs.lastSuccessAt) return 'no sync of this connection has completed yet';
  if (syncs.busy) return 'a sync of this connection is running';
  return null;
}

/** A reconcile scheduler. */
export interface ReconcileScheduler {
  /** Accept the day's reconciliations not yet accepted by any instance; returns those this call accepted. */
  runOnce(now?: number): Promise<Array<{ source: SourceName; connectionId: string; reconciliationId: string }>>;
  start(): void;
  stop(): Promise<void>;
}

/** Create the daily reconciliation scheduler. */
export function createReconcileScheduler(deps: IngestDeps, opts: ReconcileSchedulerOptions = {}): ReconcileScheduler {
  const clock = opts.clock ?? systemClock;
  const hourUtc = opts.hourUtc ?? 3;
  const logger = deps.logger.child({ component: 'reconcile.scheduler' });
  // The reason last logged per connection and day: said at info once, not on every tick.
  const told = new Map<string, string>();

  async function runOnce(now: number = clock.now()) {
    const fired: Array<{ source: SourceName; connectionId: string; reconciliationId: string }> = [];
    if (new Date(now).getUTCHours() < hourUtc) return fired;
    const day = new Date(now).toISOString().slice(0, 10);
    for (const connection of await schedulableConnections(deps)) {
      const source = connection.provider;
      const connectionId = connection.id;
      // Checked before claiming the slot: a connection passed over keeps the day's slot for a later tick.
      const reason = notReadyReason(await syncActivity(deps.pool, connectionId));
      if (reason) {
        const level = told.get(connectionId) === `${day} ${reason}` ? 'debug' : 'info';
        told.set(connectionId, `${day} ${reason}`);
        logger[level]({ source, connectionId, day }, `daily reconciliation waits: ${reason}`);
        continue;
      }
      const won = await fireOnce(deps.pool, `reconcile:${connectionId}`, day, (tx) => recordAcceptedReconciliation(tx, { source, connectionId, repair: false, trigger: 'scheduler' }));
      if (won) fired.push({ source, connectionId, reconciliationId: won.value });
    }
    // Each reconciliation logs its own end; the batch that accepted them is detail.
    if (fired.length) logger.debug({ fired }, 'daily reconciliations accepted');
    return fired;
  }

  return { runOnce, ...runPeriodically(runOnce, { everyMs: opts.tickMs ?? 60_000, logger, what: 'reconcile scheduler' }) };
}
