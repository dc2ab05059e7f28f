/** Shared helpers of the order tests (state polling, reading orders straight from SQL). */
import { resolveConfig } from '../../src/config.ts';
import type { Pool } from '../../src/db/index.ts';
import type { App } from '../../src/http/index.ts';
import { orderRoutes } from '../../src/orders/index.ts';
import type { Worker } from '../../src/queue/index.ts';
import type { Clock } from '../../src/resilience/index.ts';
import { buildTestApp } from '../helpers/app.ts';
import { waitFor } from '../helpers/waitFor.ts';

/** Current status of an order. */
export async function statusOf(pool: Pool, orderId: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ status: string }>('SELECT status FROM orders WHERE id = $1', [orderId]);
  return rows[0]?.status;
}

/** The order's history as "from→to" strings, oldest first. */
export async function historyOf(pool: Pool, orderId: string): Promise<string[]> {
  const { rows } = await pool.query<{ from_status: string | null; to_status: string }>('SELECT from_status, to_status FROM order_status_history WHERE order_id = $1 ORDER BY id', [orderId]);
  return rows.map((r) => `${r.from_status ?? '∅'}→${r.to_status}`);
}

/** The history every delivered order must have, exactly. */
export const FULL_HISTORY = ['∅→Pending Shipment', 'Pending Shipment→Shipped', 'Shipped→Delivered'];

/** Row counts of the order tables, the order queues, their dead letters and idempotency keys (a released key holds nothing: not counted). */
export interface RowCounts {
  orders: number;
  items: number;
  history: number;
  jobs: number;
  dead: number;
  idempotency_keys: number;
}

/** Current {@link RowCounts}. */
export async function countRows(pool: Pool): Promise<RowCounts> {
  const { rows } = await pool.query<RowCounts>(`SELECT
    (SELECT count(*)::int FROM orders) AS orders,
    (SELECT count(*)::int FROM order_items) AS items,
    (SELECT count(*)::int FROM order_status_history) AS history,
    (SELECT count(*)::int FROM jobs WHERE queue LIKE 'orders.%') AS jobs,
    (SELECT count(*)::int FROM dead_letters WHERE queue LIKE 'orders.%') AS dead,
    (SELECT count(*)::int FROM idempotency_keys WHERE status <> 'released') AS idempotency_keys`);
  return rows[0] as RowCounts;
}

/** Run workers' runOnce rounds until a round does nothing, or `until` holds (delayed jobs need time). */
export async function drain(workers: Worker[], until: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  await waitFor('workers to finish', async () => {
    for (const w of workers) await w.runOnce();
    return until();
  }, { timeoutMs });
}

/** A JWT secret for test apps (≥ 32 chars, as config requires). */
export const TEST_JWT_SECRET = 'orders-test-secret-0123456789abcdef';

/** An app shell with the order routes, inventory at `inventoryUrl`, HS256 tokens with TEST_JWT_SECRET. */
export async function buildOrderApp(pool: Pool, inventoryUrl: string, opts: { clock?: Clock; bodyLimitBytes?: number; env?: Record<string, string>; idempotencyLeaseMs?: number } = {}): Promise<App> {
  const config = resolveConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET, INVENTORY_API_BASE_URL: inventoryUrl, ...opts.env });
  const app = await buildTestApp(pool, {
    ...(opts.bodyLimitBytes ? { bodyLimitBytes: opts.bodyLimitBytes } : {}),
    ...(opts.idempotencyLeaseMs ? { idempotencyLeaseMs: opts.idempotencyLeaseMs } : {}),
  });
  await app.register(orderRoutes, { pool, config, ...(opts.clock ? { clock: opts.clock } : {}) });
  await app.ready();
  return app;
}

/** Requests the inventory simulator received on its business routes (its fault counters). */
export async function inventoryRequests(simUrl: string): Promise<number> {
  const res = await fetch(`${simUrl}/__sandbox/stats`);
  return ((await res.json()) as { requests: number }).requests;
}
