/**
 * The scheduler: every `syncIntervalMs` (or a connection's own interval) an incremental sync of
 * each active connection of an enabled source is accepted (worker processes run it), and at `dailySummaryHourUtc` the daily summary of
 * the previous UTC day is posted to NOTIFY_WEBHOOK_URL and logged. Safe with any number of
 * instances: each (job, slot) fires once through an insert-once tick (fireOnce). Time comes from
 * an injected clock; `runOnce(now)` is what the loop and the tests call.
 */
import type { SourceName } from '../config.ts';
import type { Queryable } from '../db/index.ts';
import { postOperatorNotice } from '../notices/index.ts';
import { systemClock, type Clock } from '../resilience/index.ts';
import { recordAcceptedSync } from './acceptSync.ts';
import { buildDailySummary, type DailySummary } from './buildDailySummary.ts';
import { fireOnce } from './fireOnce.ts';
import { runPeriodically } from './periodicTask.ts';
import { schedulableConnections } from './schedulableConnections.ts';
import type { IngestDeps } from './types.ts';

/** Options of {@link createScheduler}. */
export interface SchedulerOptions {
  clock?: Clock;
  /** How often the loop ticks (default 30 s); slots, not ticks, decide what fires. */
  tickMs?: number;
  /** Delivery of the summary (default: the operator notice to NOTIFY_WEBHOOK_URL, signed when NOTIFY_WEBHOOK_SECRET is set). */
  deliver?: (url: string, summary: DailySummary) => Promise<void>;
  /** Adds other modules' sections to the summary before it is sent (e.g. the last reconciliations). */
  extendSummary?: (db: Queryable, summary: DailySummary) => Promise<DailySummary>;
}

/** What one tick fired. */
export interface TickResult {
  /** Connections whose incremental sync was accepted, with the run ids. */
  syncs: Array<{ source: SourceName; connectionId: string; runId: string }>;
  /** The summary, when this tick sent it. */
  summary: DailySummary | null;
}

/** A scheduler instance. */
export interface Scheduler {
  runOnce(now?: number): Promise<TickResult>;
  start(): void;
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;

/** Create the scheduler. */
export function createScheduler(deps: IngestDeps, opts: SchedulerOptions = {}): Scheduler {
  const clock = opts.clock ?? systemClock;
  const logger = deps.logger.child({ component: 'ingest.scheduler' });
  const { syncIntervalMs, dailySummaryHourUtc, notifyWebhookUrl, notifyWebhookSecret } = deps.config.scheduler;
  // A non-2xx answer is an error: the slot stays free and a later tick sends the summary again,
  // under the same notice id (receivers de-duplicate on it).
  const deliver =
    opts.deliver ??
    (async (url: string, summary: DailySummary) => {
      await postOperatorNotice({ url, secret: notifyWebhookSecret }, { id: `daily-summary:${summary.date}`, body: summary });
    });

  async function runOnce(now: number = clock.now()): Promise<TickResult> {
    const syncs: TickResult['syncs'] = [];
    for (const connection of await schedulableConnections(deps)) {
      const source = connection.provider;
      const slot = String(Math.floor(now / (connection.syncIntervalMs ?? syncIntervalMs)));
      const fired = await fireOnce(deps.pool, `sync:${connection.id}`, slot, (tx) => recordAcceptedSync(tx, { source, connectionId: connection.id, mode: 'incremental', trigger: 'scheduler' }));
      if (fired) syncs.push({ source, connectionId: connection.id, runId: fired.value });
    }
    let summary: DailySummary | null = null;
    const today = new Date(now);
    if (today.getUTCHours() >= dailySummaryHourUtc) {
      const day = new Date(now - DAY_MS).toISOString().slice(0, 10);
      try {
        const fired = await fireOnce(deps.pool, 'daily-summary', day, async (tx) => {
          const built = await buildDailySummary(tx, day, today);
          const s = opts.extendSummary ? await opts.extendSummary(tx, built) : built;
          // Delivered before the claim commits: if delivery fails the claim rolls back and a later tick retries.
          if (notifyWebhookUrl) await deliver(notifyWebhookUrl, s);
          return s;
        });
        if (fired) {
          summary = fired.value;
          logger.info({ summary }, `daily summary for ${day}`);
        }
      } catch (err) {
        logger.warn({ err, day }, 'daily summary not delivered; retrying on a later tick');
      }
    }
    // Each run logs its own start and end; the batch that accepted them is detail.
    if (syncs.length) logger.debug({ syncs }, 'scheduled syncs accepted');
    return { syncs, summary };
  }

  return { runOnce, ...runPeriodically(runOnce, { everyMs: opts.tickMs ?? 30_000, logger, what: 'scheduler' }) };
}
