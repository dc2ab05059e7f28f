/**
 * Housekeeping loop of the scheduler role: old consumer dedupe rows (orders) and change-feed
 * rows past CHANGES_RETENTION_DAYS are deleted so those tables stay the size of their useful
 * window. (Expired Idempotency-Keys are purged by the ingest scheduler's hourly slot.)
 */
import { pruneChanges } from '../changes/index.ts';
import type { Pool } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { purgeProcessedEvents } from '../orders/index.ts';
import { systemClock, type Clock } from '../resilience/index.ts';

/** A maintenance loop with River-style `runOnce` for tests. */
export interface Maintenance {
  runOnce(): Promise<{ processedEvents: number; changesPruned: number }>;
  start(): void;
  stop(): Promise<void>;
}

const EVERY_MS = 60 * 60_000;
const DAY_MS = 86_400_000;
// Consumers dedupe by event id; redeliveries come within minutes, so 30 days is generous.
const PROCESSED_EVENTS_KEEP_DAYS = 30;

/** Create the loop (runs hourly once started; safe with several schedulers: deletes are idempotent). */
export function createMaintenance(deps: { pool: Pool; logger: Logger; changesRetentionDays: number; clock?: Clock }): Maintenance {
  const clock = deps.clock ?? systemClock;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  async function runOnce() {
    const processedEvents = await purgeProcessedEvents(deps.pool, PROCESSED_EVENTS_KEEP_DAYS);
    if (processedEvents) deps.logger.info({ processedEvents }, 'maintenance purged old consumer dedupe rows');
    const changesPruned = await pruneChanges(deps.pool, new Date(clock.now() - deps.changesRetentionDays * DAY_MS));
    if (changesPruned) deps.logger.info({ changesPruned }, 'maintenance pruned change-feed rows past their retention');
    return { processedEvents, changesPruned };
  }
  const tick = () => {
    running = runOnce().catch((err) => deps.logger.warn({ err }, 'maintenance failed; will retry next hour'));
  };
  return {
    runOnce,
    start() {
      tick();
      timer = setInterval(tick, EVERY_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
