/**
 * Housekeeping loop of the scheduler role: old consumer dedupe rows (orders) and old delivered
 * webhook deliveries are deleted so the tables stay the size of their useful window. (Expired Idempotency-Keys are purged by the ingest
 * scheduler's hourly slot.)
 */
import type { Pool } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { purgeProcessedEvents } from '../orders/index.ts';
import { purgeDeliveredWebhooks } from '../webhooks/index.ts';

/** A maintenance loop with River-style `runOnce` for tests. */
export interface Maintenance {
  runOnce(): Promise<{ processedEvents: number; webhookDeliveries: number }>;
  start(): void;
  stop(): Promise<void>;
}

const EVERY_MS = 60 * 60_000;
// Consumers dedupe by event id; redeliveries come within minutes, so 30 days is generous.
const PROCESSED_EVENTS_KEEP_DAYS = 30;
// A delivered webhook's row only answers "was it sent?"; failed and dead ones are never purged here.
const DELIVERED_WEBHOOKS_KEEP_DAYS = 30;

/** Create the loop (runs hourly once started; safe with several schedulers: deletes are idempotent). */
export function createMaintenance(deps: { pool: Pool; logger: Logger }): Maintenance {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  async function runOnce() {
    const processedEvents = await purgeProcessedEvents(deps.pool, PROCESSED_EVENTS_KEEP_DAYS);
    if (processedEvents) deps.logger.info({ processedEvents }, 'maintenance purged old consumer dedupe rows');
    const webhookDeliveries = await purgeDeliveredWebhooks(deps.pool, DELIVERED_WEBHOOKS_KEEP_DAYS);
    if (webhookDeliveries) deps.logger.info({ webhookDeliveries }, 'maintenance purged old delivered webhook deliveries');
    return { processedEvents, webhookDeliveries };
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
