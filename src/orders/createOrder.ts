/** Placing an order: price the lines exactly, reserve stock (breaker-guarded), then write order + outbox event atomically. */
import type { Pool, TransactionRunner } from '../db/index.ts';
import { insertOrder, newOrderId, type BeforeOrderCommit, type PricedLine } from './insertOrder.ts';
import type { CreateOrderBody, OrderView } from './orderSchemas.ts';
import { parsePriceCents } from './parsePrice.ts';
import type { InventoryClient } from './reserveInventory.ts';

/** Dependencies of {@link createOrder}. */
export interface CreateOrderDeps {
  pool: Pool;
  inventory: InventoryClient;
  /** Runs the order transactions (default: each its own). */
  transactions?: TransactionRunner;
}

/**
 * Create an order for `customerId` from a validated body. Stock is reserved before the write
 * (the reservation is idempotent by the order id), so an order row never exists without
 * its reservation; a failed write releases the reservation again (best effort).
 * `beforeCommit` joins the order's transaction (the API stores its idempotent response there).
 * Throws AppError 409 out_of_stock / 422 unknown_product / 503 inventory_unavailable.
 */
export async function createOrder(deps: CreateOrderDeps, customerId: string, body: CreateOrderBody, beforeCommit?: BeforeOrderCommit): Promise<OrderView> {
  const lines: PricedLine[] = body.items.map((i) => ({ productId: i.productId, quantity: i.quantity, priceCents: parsePriceCents(i.price) }));
  const orderId = newOrderId();
  await deps.inventory.reserve(orderId, lines);
  try {
    return await insertOrder(deps.pool, orderId, customerId, lines, beforeCommit, deps.transactions ? { transactions: deps.transactions } : {});
  } catch (err) {
    if (await knownAbsent(deps.pool, orderId)) await deps.inventory.release(orderId);
    throw err;
  }
}

// Release only when the order is known not to exist: a lost COMMIT acknowledgement can hide a
// stored order, and releasing its stock would oversell. Unknown (database down) → keep it held.
async function knownAbsent(pool: Pool, orderId: string): Promise<boolean> {
  try {
    const { rowCount } = await pool.query('SELECT 1 FROM orders WHERE id = $1', [orderId]);
    return rowCount === 0;
  } catch {
    return false;
  }
}
