/**
 * The inventory simulator's world: stock per product and reservations per orderId. A reserve
 * is idempotent by orderId: the first answer (granted or refused) is stored and replayed, so a
 * retried call never reserves twice.
 */
import { randomUUID } from 'node:crypto';
import { createRng } from '../common/index.ts';
import { generateStock, release, reserve, type ReserveItem, type ReserveResult, type Stock } from './data.ts';

/** What happened to one orderId. */
export interface Reservation {
  orderId: string;
  status: 'reserved' | 'released' | 'refused';
  items: ReserveItem[];
  result: ReserveResult;
}

/** Ground truth served at `GET /__sandbox/truth`. */
export interface InventoryTruth {
  /** Every product: units on the shelf and units held by active reservations. */
  products: Array<{ productId: string; stock: number; reserved: number }>;
  reservations: Array<Omit<Reservation, 'result'>>;
}

/** Mutable inventory state. */
export interface InventoryState {
  /** Units available per product (live). */
  readonly stock: Stock;
  /** Reserve all items or none; replays the stored answer for a known orderId. */
  reserve(orderId: string, items: readonly ReserveItem[]): { replayed: boolean; result: ReserveResult };
  /** Release an active reservation (idempotent). */
  release(orderId: string): { found: boolean; released: boolean; status?: Reservation['status']; items?: ReserveItem[] };
  /** Set a product's stock (control endpoint). */
  setStock(productId: string, quantity: number): void;
  truth(): InventoryTruth;
}

/** A state with `productCount` seeded products. */
export function createInventoryState(opts: { seed: number; productCount: number }): InventoryState {
  const stock = generateStock(createRng(opts.seed).fork('inventory').next, opts.productCount);
  const reservations = new Map<string, Reservation>();

  return {
    stock,
    reserve(orderId, items) {
      const known = reservations.get(orderId);
      if (known) return { replayed: true, result: known.result };
      const result = reserve(stock, orderId, items, `res_${randomUUID()}`);
      const stored = result.available ? result.items : [...items];
      reservations.set(orderId, { orderId, status: result.available ? 'reserved' : 'refused', items: stored, result });
      return { replayed: false, result };
    },
    release(orderId) {
      const r = reservations.get(orderId);
      if (!r) return { found: false, released: false };
      if (r.status !== 'reserved') return { found: true, released: false, status: r.status };
      release(stock, r.items);
      r.status = 'released';
      return { found: true, released: true, status: r.status, items: r.items };
    },
    setStock(productId, quantity) {
      stock.set(productId, quantity);
    },
    truth() {
      const held = new Map<string, number>();
      for (const r of reservations.values()) {
        if (r.status !== 'reserved') continue;
        for (const it of r.items) held.set(it.productId, (held.get(it.productId) ?? 0) + it.quantity);
      }
      return {
        products: [...stock].map(([productId, n]) => ({ productId, stock: n, reserved: held.get(productId) ?? 0 })),
        reservations: [...reservations.values()].map(({ orderId, status, items }) => ({ orderId, status, items })),
      };
    },
  };
}
