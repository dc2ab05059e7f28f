/**
 * Order events and who consumes them. Events travel through the queue core as outbox jobs
 * written in the producer's transaction: publishing an event enqueues one copy per subscribed
 * consumer queue (fan-out at write time, so each consumer acks — and retries, dead-letters,
 * replays — independently). Every copy carries the same eventId, which is what consumers
 * de-duplicate on.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../db/index.ts';
import { enqueueStatement } from '../queue/index.ts';
import type { OrderStatus } from './orderStatus.ts';

/** Queue of the fulfillment consumer (order.created and its own delayed steps). */
export const FULFILLMENT_QUEUE = 'orders.fulfillment';
/** Queue of the status consumer (order.shipped, order.delivered). */
export const STATUS_QUEUE = 'orders.status';
/** Every queue the orders module owns. */
export const ORDER_QUEUES = [FULFILLMENT_QUEUE, STATUS_QUEUE] as const;

/** Event types. */
export const ORDER_EVENT_TYPES = ['order.created', 'order.shipped', 'order.delivered'] as const;
/** One event type. */
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/** Which consumer queues receive each event type. */
export const SUBSCRIPTIONS: Record<OrderEventType, readonly string[]> = {
  'order.created': [FULFILLMENT_QUEUE],
  'order.shipped': [STATUS_QUEUE],
  'order.delivered': [STATUS_QUEUE],
};

/** The status an event moves an order to. */
export const EVENT_STATUS: Record<OrderEventType, OrderStatus> = {
  'order.created': 'Pending Shipment',
  'order.shipped': 'Shipped',
  'order.delivered': 'Delivered',
};

/** An order event as stored in a job payload. */
export const orderEventSchema = z.object({
  kind: z.literal('event'),
  eventId: z.uuid(),
  type: z.enum(ORDER_EVENT_TYPES),
  orderId: z.uuid(),
  occurredAt: z.iso.datetime(),
});
/** One order event. */
export type OrderEvent = z.infer<typeof orderEventSchema>;

/** A new event with a fresh id. */
export function newOrderEvent(type: OrderEventType, orderId: string, at: Date = new Date()): OrderEvent {
  return { kind: 'event', eventId: randomUUID(), type, orderId, occurredAt: at.toISOString() };
}

/**
 * The outbox statements of `event`, one per subscribed queue. `notify: false` leaves waking the
 * consumers to the caller after its commit (announceJobs), off the commit's critical section.
 */
export function orderEventStatements(event: OrderEvent, opts: { notify?: boolean } = {}): Array<{ name: string; text: string; values: unknown[] }> {
  return SUBSCRIPTIONS[event.type].map((queue) => enqueueStatement(queue, event, { dedupeKey: event.eventId, notify: opts.notify ?? true }));
}

/** Write `event` to every subscribed queue inside the caller's transaction (the outbox write). */
export async function publishOrderEvent(tx: Queryable, event: OrderEvent): Promise<void> {
  for (const s of orderEventStatements(event)) await tx.query(s);
}
