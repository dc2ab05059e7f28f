/**
 * Seeded stock and the pure reservation rules of the inventory simulator. The simulator holds
 * state; these functions decide what a reserve or release does to it.
 *
 * The catalog is open: a product id the simulator has not seen yet exists with
 * {@link DEFAULT_STOCK} units, so a client's own ids (`product-456`) work without setup. Two
 * reserved ids keep the refusal paths reachable: {@link SOLD_OUT_PRODUCT_ID} (exists, no stock)
 * and {@link UNKNOWN_PRODUCT_ID} (and any id starting with it: the product does not exist).
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

/** A product id the simulator says does not exist; so does any id that starts with it (`prod_unknown_7`). */
export const UNKNOWN_PRODUCT_ID = 'prod_unknown';

/** Units a product the simulator has not seen before starts with (ample for a 5,000-order load test). */
export const DEFAULT_STOCK = 100_000;

/** True for the reserved ids that name no product. */
export function isUnknownProduct(productId: string): boolean {
  return productId.startsWith(UNKNOWN_PRODUCT_ID);
}

/**
 * Units on the shelf for `productId`: the stored count, {@link DEFAULT_STOCK} for an id not
 * seen yet, undefined for a reserved unknown id. Pure: does not add the product to `stock`.
 */
export function stockOf(stock: Stock, productId: string): number | undefined {
  if (isUnknownProduct(productId)) return undefined;
  return stock.get(productId) ?? DEFAULT_STOCK;
}

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
    const have = stockOf(stock, it.productId);
    if (have === undefined) return { available: false, orderId, productId: it.productId, requested: it.quantity, inStock: 0, reason: 'unknown_product' };
    if (have < it.quantity) return { available: false, orderId, productId: it.productId, requested: it.quantity, inStock: have, reason: 'out_of_stock' };
  }
  for (const it of merged) stock.set(it.productId, (stockOf(stock, it.productId) ?? 0) - it.quantity);
  return { available: true, orderId, reservationId, items: merged };
}

/** Put a reservation's items back on the shelf. */
export function release(stock: Stock, items: readonly ReserveItem[]): void {
  for (const it of items) stock.set(it.productId, (stock.get(it.productId) ?? 0) + it.quantity);
}
