/**
 * Seeded stock and the pure reservation rules of the inventory simulator (seed 001). The
 * simulator holds state; these functions decide what a reserve or release does to it.
 */

/** Stock on hand per product id. */
export type Stock = Map<string, number>;

/** One line of a reservation request. */
export interface ReserveItem {
  productId: string;
  quantity: number;
}

/** The answer to `POST /inventory/reserve`, stored per orderId so a retry gets the same one. */
export type ReserveResult =
  | { available: true; orderId: string; reservationId: string; items: ReserveItem[] }
  | { available: false; orderId: string; productId: string; requested: number; inStock: number; reason: 'out_of_stock' | 'unknown_product' };

/** A product that exists with no stock at all (a predictable 409). */
export const SOLD_OUT_PRODUCT_ID = 'prod_sold_out';

/**
 * Products `prod_1..count` with 1,000–10,000 units each (enough for a 5,000-order load test)
 * plus `prod_sold_out` with none.
 */
export function generateStock(rng: () => number, count: number): Stock {
  const stock: Stock = new Map();
  for (let n = 1; n <= count; n++) stock.set(`prod_${n}`, 1000 + Math.floor(rng() * 9001));
  stock.set(SOLD_OUT_PRODUCT_ID, 0);
  return stock;
}

/** Sum quantities per product so an order naming one product twice is checked as a whole. */
export function mergeItems(items: readonly ReserveItem[]): ReserveItem[] {
  const merged = new Map<string, number>();
  for (const it of items) merged.set(it.productId, (merged.get(it.productId) ?? 0) + it.quantity);
  return [...merged].map(([productId, quantity]) => ({ productId, quantity }));
}

/**
 * Reserve every item or none: the first item that cannot be covered is named in the refusal and
 * stock is untouched. On success, `stock` is decremented in place.
 */
export function reserve(stock: Stock, orderId: string, items: readonly ReserveItem[], reservationId: string): ReserveResult {
  const merged = mergeItems(items);
  for (const it of merged) {
    const have = stock.get(it.productId);
    if (have === undefined) return { available: false, orderId, productId: it.productId, requested: it.quantity, inStock: 0, reason: 'unknown_product' };
    if (have < it.quantity) return { available: false, orderId, productId: it.productId, requested: it.quantity, inStock: have, reason: 'out_of_stock' };
  }
  for (const it of merged) stock.set(it.productId, (stock.get(it.productId) ?? 0) - it.quantity);
  return { available: true, orderId, reservationId, items: merged };
}

/** Put a reservation's items back on the shelf. */
export function release(stock: Stock, items: readonly ReserveItem[]): void {
  for (const it of items) stock.set(it.productId, (stock.get(it.productId) ?? 0) + it.quantity);
}
