/**
 * The two order consumers on the queue core's batch worker (SKIP LOCKED claims, handler
 * effects + ack in one transaction, exponential backoff, DLQ after 5 attempts, replay):
 * fulfillment (order.created → delayed ship → delayed deliver) and status (forward-only
 * updates). Any number of processes may run them side by side.
 */
import type { Pool } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { createBatchWorker, PermanentError, type BackoffOptions, type Clock, type Worker } from '../queue/index.ts';
import { applyStatusEvent } from './applyStatusEvent.ts';
import { handleFulfillmentJob } from './fulfillOrder.ts';
import { FULFILLMENT_QUEUE, orderEventSchema, STATUS_QUEUE } from './orderEvents.ts';

/** Dependencies of {@link createOrderWorkers}. */
export interface OrderWorkerDeps {
  pool: Pool;
  /** Simulated shipping delay bounds (config.orders). */
  orders: { fulfillmentMinDelayMs: number; fulfillmentMaxDelayMs: number };
  logger?: Logger;
  clock?: Clock;
  /** [0,1) source for the shipping delay. */
  random?: () => number;
  /** Idle poll of each worker (default 1000 ms); delayed steps become due between wake-ups. */
  pollIntervalMs?: number;
  batchSize?: number;
  /** Retry backoff of failed jobs (queue default: 1 s doubling to 5 min). */
  backoff?: BackoffOptions;
}

/** The order consumers. */
export interface OrderWorkers {
  fulfillment: Worker;
  status: Worker;
  /** Start both. */
  start(): Promise<void>;
  /** Stop both, waiting for in-flight batches. */
  stop(): Promise<void>;
}

/** Handle one status-queue job inside the worker's transaction. */
export async function handleStatusJob(tx: Parameters<typeof applyStatusEvent>[0], payload: unknown): Promise<void> {
  const parsed = orderEventSchema.safeParse(payload);
  if (!parsed.success) throw new PermanentError(`not an order event: ${parsed.error.issues[0]?.message ?? 'invalid payload'}`);
  const outcome = await applyStatusEvent(tx, parsed.data);
  // Orders commit with their events, so this means the order was deleted: retrying cannot help.
  if (outcome === 'missing_order') throw new PermanentError(`order ${parsed.data.orderId} does not exist`);
}

/** Create the fulfillment and status workers. */
export function createOrderWorkers(deps: OrderWorkerDeps): OrderWorkers {
  const common = {
    pool: deps.pool,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.pollIntervalMs !== undefined ? { pollIntervalMs: deps.pollIntervalMs } : {}),
    ...(deps.batchSize !== undefined ? { batchSize: deps.batchSize } : {}),
    ...(deps.backoff ? { backoff: deps.backoff } : {}),
  };
  const clock = deps.clock;
  const timing = {
    minDelayMs: deps.orders.fulfillmentMinDelayMs,
    maxDelayMs: deps.orders.fulfillmentMaxDelayMs,
    ...(clock ? { now: () => clock.now() } : {}),
    ...(deps.random ? { random: deps.random } : {}),
  };
  const fulfillment = createBatchWorker({
    ...common,
    queue: FULFILLMENT_QUEUE,
    handle: async (job, tx) => {
      await handleFulfillmentJob(tx, job.payload, timing);
    },
  });
  const status = createBatchWorker({
    ...common,
    queue: STATUS_QUEUE,
    handle: (job, tx) => handleStatusJob(tx, job.payload),
  });
  return {
    fulfillment,
    status,
    async start() {
      await Promise.all([fulfillment.start(), status.start()]);
    },
    async stop() {
      await Promise.all([fulfillment.stop(), status.stop()]);
    },
  };
}
