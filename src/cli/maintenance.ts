/**
 * Housekeeping loop of the scheduler role: expired Idempotency-Keys and old consumer
 * dedupe rows are deleted so those tables stay the size of their useful window.
 */
import type { Pool } from '../db/index.ts';
import { purgeExpiredIdempotencyKeys } from '../http/index.ts';
import type { Logger } from '../log.ts';
import { purgeProcessedEvents } from '../orders/index.ts';

/** A maintenance loop with River-style `runOnce` for tests. */
export interface Maintenance {
  runOnce(): Promise<{ idempotencyKeys: number; processedEvents: number }>;
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
    const idempotencyKeys = await purgeExpiredIdempotencyKeys(deps.pool);
    const processedEvents = await purgeProcessedEvents(deps.pool, PROCESSED_EVENTS_KEEP_DAYS);
    if (idempotencyKeys || processedEvents) deps.logger.info({ idempotencyKeys, processedEvents }, 'maintenance purged expired rows');
    return { idempotencyKeys, processedEvents };
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
