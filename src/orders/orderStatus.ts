/**
 * The order status state machine (pure): Pending Shipment → Shipped → Delivered, forward only.
 * The SQL guard in applyStatusEvent.ts uses ORDER_STATUSES as its rank array, so the rule
 * lives here once.
 */

/** Every status in rank order (index = rank). */
export const ORDER_STATUSES = ['Pending Shipment', 'Shipped', 'Delivered'] as const;
/** One order status. */
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** The status a new order starts in. */
export const INITIAL_STATUS: OrderStatus = 'Pending Shipment';

/** Rank of a status (0 = Pending Shipment). */
export function statusRank(status: OrderStatus): number {
  return ORDER_STATUSES.indexOf(status);
}

/** True when `to` ranks above `from`. Skipping is allowed: Delivered may overtake Shipped, whose late arrival is then a no-op. */
export function isForward(from: OrderStatus, to: OrderStatus): boolean {
  return statusRank(to) > statusRank(from);
}

/** The status after applying `to` to `from`: forward moves apply, anything else is a no-op. */
export function applyTransition(from: OrderStatus, to: OrderStatus): OrderStatus {
  return isForward(from, to) ? to : from;
}

