/**
 * Inventory simulator: an open catalog (seeded `prod_1..prod_N`; any other id starts with
 * DEFAULT_STOCK units) with two reserved ids — `prod_sold_out` (no stock, 409 out_of_stock) and
 * `prod_unknown*` (no such product, 409 unknown_product) — idempotent reservations by orderId,
 * and `INVENTORY_FAILURE_RATE` % of calls failing with 503.
 *
 * Control endpoints (besides the common ones in `src/sandbox/common`):
 *   POST /__sandbox/stock { productId, quantity } → set a product's stock
 *   GET  /__sandbox/stats                        → fault counters + calls per route + max in flight
 *   POST /__sandbox/stats/reset
 */
import { z } from 'zod';
import {
  createFaultWorld,
  createRng,
  createSimClock,
  createSimulatorApp,
  FaultConfigError,
  installCallStats,
  installFaultHooks,
  registerControlRoutes,
  registerStatsReset,
  startSimulator,
  statsView,
  type Faults,
  type RunningSimulator,
  type SimClock,
  type SimulatorHandle,
} from '../common/index.ts';
import { isUnknownProduct } from './data.ts';
import { registerInventoryRoutes } from './routes.ts';
import { createInventoryState, type InventoryState, type InventoryTruth } from './state.ts';

export { DEFAULT_STOCK, SOLD_OUT_PRODUCT_ID, UNKNOWN_PRODUCT_ID } from './data.ts';
export type { ReserveItem, ReserveResult } from './data.ts';
export type { InventoryTruth } from './state.ts';

/** Default knobs: 50 seeded products, 1 % failures (INVENTORY_FAILURE_RATE defaults to 1). */
export const INVENTORY_DEFAULT_FAULTS: Partial<Faults> = { records: 50, errorRate: 0.01 };

/** Options of `createInventorySimulator`. */
export interface InventorySimulatorOptions {
  faults?: Partial<Faults>;
  /**
   * Env: `INVENTORY_FAILURE_RATE` (percent, 0–100) sets the failure rate; `SANDBOX_INVENTORY_*`
   * knobs (e.g. `SANDBOX_INVENTORY_ERROR_RATE`, 0–1) take precedence.
   */
  env?: Record<string, string | undefined>;
  clock?: SimClock;
}

/** Live state of an inventory simulator. */
export interface InventorySimState {
  /** Units available per product (the current world's map). */
  readonly stock: Map<string, number>;
  world(): InventoryState;
  truth(): InventoryTruth;
}

/** The failure-rate default from `INVENTORY_FAILURE_RATE` (percent). */
export function failureRateFromEnv(env: Record<string, string | undefined>): number | undefined {
  const raw = env.INVENTORY_FAILURE_RATE?.trim();
  if (raw === undefined || raw === '') return undefined;
  const pct = Number(raw);
  if (!Number.isFinite(pct) || pct < 0 || pct > 100) throw new FaultConfigError(`INVENTORY_FAILURE_RATE: expected a percentage 0–100 (got ${JSON.stringify(raw)})`);
  return pct / 100;
}

const stockBody = z.object({ productId: z.string().min(1), quantity: z.number().int().min(0) }).strict();

/** Build (not start) an inventory simulator. */
export function createInventorySimulator(opts: InventorySimulatorOptions = {}): SimulatorHandle<InventorySimState> {
  const env = opts.env ?? {};
  const clock = opts.clock ?? createSimClock();
  const pct = failureRateFromEnv(env);
  const defaults = { ...INVENTORY_DEFAULT_FAULTS, ...(pct !== undefined ? { errorRate: pct } : {}) };
  const { faults, world } = createFaultWorld({
    name: 'inventory',
    defaults,
    env,
    overrides: opts.faults,
    build: (f) => createInventoryState({ seed: f.seed, productCount: f.records }),
  });

  const app = createSimulatorApp();
  const calls = installCallStats(app);
  const counters = installFaultHooks(app, {
    faults,
    rng: createRng(faults.get().seed).fork('inventory-faults'),
    clientKey: (req) => req.ip,
    responders: {
      unavailable: (_req, reply) => void reply.code(503).send({ error: 'service_unavailable', message: 'Inventory service is temporarily unavailable' }),
      rateLimited: (_req, reply, info) =>
        void reply.code(429).header('Retry-After', String(Math.ceil(info.retryAfterMs / 1000))).send({ error: 'rate_limited', message: 'Too many requests' }),
    },
  });
  const state: InventorySimState = {
    get stock() {
      return world().stock;
    },
    world,
    truth: () => world().truth(),
  };

  registerControlRoutes(app, { name: 'inventory', faults, clock, counters: statsView(() => counters, calls), truth: () => state.truth(), catchUp: () => ({}) });
  registerStatsReset(app, () => counters, calls);
  app.post('/__sandbox/stock', async (req, reply) => {
    const parsed = stockBody.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: 'invalid_stock', message: z.prettifyError(parsed.error) });
    if (isUnknownProduct(parsed.data.productId)) return reply.code(400).send({ error: 'invalid_stock', message: `productId: ${parsed.data.productId} is reserved for a product that does not exist` });
    world().setStock(parsed.data.productId, parsed.data.quantity);
    return parsed.data;
  });
  registerInventoryRoutes(app, { state: world });

  return { app, state, faults, clock };
}

/** Build and start an inventory simulator on `port` (default 0 = ephemeral). */
export function startInventorySimulator(opts: InventorySimulatorOptions & { port?: number; host?: string } = {}): Promise<RunningSimulator<InventorySimState>> {
  return startSimulator(() => createInventorySimulator(opts), opts);
}
