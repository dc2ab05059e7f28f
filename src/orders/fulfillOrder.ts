/**
 * The fulfillment consumer. On order.created it schedules a "ship" step as a delayed job
 * (runAt = now + a random 2–8 s) instead of sleeping, so no worker slot or transaction is
 * held while the parcel "travels"; the ship step emits order.shipped and schedules "deliver",
 * which emits order.delivered. Every step's effects (events + next step) commit with its ack.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../db/index.ts';
import { enqueue, PermanentError } from '../queue/index.ts';
import { markProcessed } from './applyStatusEvent.ts';
import { FULFILLMENT_QUEUE, newOrderEvent, orderEventSchema, publishOrderEvent } from './orderEvents.ts';

/** Consumer name under which fulfillment records processed events and steps. */
export const FULFILLMENT_CONSUMER = 'orders.fulfillment';

/** A scheduled fulfillment step (a job on the fulfillment queue). */
export const fulfillmentStepSchema = z.object({
  kind: z.literal('step'),
  stepId: z.uuid(),
  step: z.enum(['ship', 'deliver']),
  orderId: z.uuid(),
});
/** One scheduled step. */
export type FulfillmentStep = z.infer<typeof fulfillmentStepSchema>;

/** What the fulfillment queue carries: events it subscribes to and its own steps. */
export const fulfillmentPayloadSchema = z.discriminatedUnion('kind', [orderEventSchema, fulfillmentStepSchema]);

/** Timing of the simulated shipping. */
export interface FulfillmentTiming {
  minDelayMs: number;
  maxDelayMs: number;
  /** Wall clock for runAt and event times (default Date.now). */
  now?: () => number;
  /** [0, 1) source for the delay (default Math.random). */
  random?: () => number;
}

/** Delay before the next step: uniform in [min, max]. */
export function pickDelayMs(timing: FulfillmentTiming): number {
  const span = Math.max(0, timing.maxDelayMs - timing.minDelayMs);
  return timing.minDelayMs + Math.round((timing.random ?? Math.random)() * span);
}

/** Handle one fulfillment job inside the worker's transaction. */
export async function handleFulfillmentJob(tx: Queryable, payload: unknown, timing: FulfillmentTiming): Promise<'scheduled' | 'shipped' | 'delivered' | 'duplicate' | 'ignored'> {
  const parsed = fulfillmentPayloadSchema.safeParse(payload);
  if (!parsed.success) throw new PermanentError(`not a fulfillment job: ${parsed.error.issues[0]?.message ?? 'invalid payload'}`);
  const job = parsed.data;
  const now = (timing.now ?? Date.now)();
  if (job.kind === 'event') {
    if (job.type !== 'order.created') return 'ignored';
    if (!(await markProcessed(tx, FULFILLMENT_CONSUMER, job.eventId))) return 'duplicate';
    await scheduleStep(tx, 'ship', job.orderId, new Date(now + pickDelayMs(timing)));
    return 'scheduled';
  }
  if (!(await markProcessed(tx, FULFILLMENT_CONSUMER, job.stepId))) return 'duplicate';
  if (job.step === 'ship') {
    await publishOrderEvent(tx, newOrderEvent('order.shipped', job.orderId, new Date(now)));
    await scheduleStep(tx, 'deliver', job.orderId, new Date(now + pickDelayMs(timing)));
    return 'shipped';
  }
  await publishOrderEvent(tx, newOrderEvent('order.delivered', job.orderId, new Date(now)));
  return 'delivered';
}

// dedupeKey: one outstanding step of each kind per order, even if a step were scheduled twice.
async function scheduleStep(tx: Queryable, step: FulfillmentStep['step'], orderId: string, runAt: Date): Promise<void> {
  const payload: FulfillmentStep = { kind: 'step', stepId: randomUUID(), step, orderId };
  await enqueue(tx, FULFILLMENT_QUEUE, payload, { dedupeKey: `${step}:${orderId}`, runAt });
}
