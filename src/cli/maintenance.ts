/**
 * Housekeeping loop of the scheduler role: old consumer dedupe rows (orders) are deleted so the
 * table stays the size of its useful window. (Expired Idempotency-Keys are purged by the ingest
 * scheduler's hourly slot.)
 */
import type { Pool } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { purgeProcessedEvents } from '../orders/index.ts';

/** A maintenance loop with River-style `runOnce` for tests. */
export interface Maintenance {
  runOnce(): Promise<{ processedEvents: number }>;
  start(): void;
  stop(): Promise<void>;
}

const EVERY_MS = 60 * 60_000;
// Consumers dedupe by event id; redeliveries come within minutes, so 30 days is generous.
const PROCESSED_EVENTS_KEEP_DAYS = 30;

/** Create the loop (runs hourly once started; safe with several schedulers: deletes are idempotent). */
export function createMaintenance(deps: { pool: Pool; logger: Logger }): Maintenance {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  async function runOnce() {
    const processedEvents = await purgeProcessedEvents(deps.pool, PROCESSED_EVENTS_KEEP_DAYS);
    if (processedEvents) deps.logger.info({ processedEvents }, 'maintenance purged old consumer dedupe rows');
    return { processedEvents };
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
