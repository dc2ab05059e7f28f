/** Shared helpers of the order tests (state polling, reading orders straight from SQL). */
import type { Pool } from '../../src/db/index.ts';
import type { Worker } from '../../src/queue/index.ts';

/** Poll `probe` until it returns a truthy value; fail after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 20));
  }
}

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

/** Row counts of the order tables, the order queues and the dead letters. */
export async function countRows(pool: Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<Record<string, number>>(`SELECT
    (SELECT count(*)::int FROM orders) AS orders,
    (SELECT count(*)::int FROM order_items) AS items,
    (SELECT count(*)::int FROM order_status_history) AS history,
    (SELECT count(*)::int FROM jobs WHERE queue LIKE 'orders.%') AS jobs,
    (SELECT count(*)::int FROM dead_letters WHERE queue LIKE 'orders.%') AS dead,
    (SELECT count(*)::int FROM idempotency_keys) AS idempotency_keys`);
  return rows[0] as Record<string, number>;
}

/** Run workers' runOnce rounds until a round does nothing, or `until` holds (delayed jobs need time). */
export async function drain(workers: Worker[], until: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  await waitFor('workers to finish', async () => {
    for (const w of workers) await w.runOnce();
    return until();
  }, { timeoutMs });
}
