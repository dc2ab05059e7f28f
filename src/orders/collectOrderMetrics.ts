/** The JSON behind GET /api/metrics: API rate and latency, orders by status, order queues, breakers. */
import type { Queryable } from '../db/index.ts';
import { queueStats, type QueueStats } from '../queue/index.ts';
import { policySnapshots } from '../resilience/index.ts';
import { ORDER_QUEUES } from './orderEvents.ts';
import { ORDER_STATUSES } from './orderStatus.ts';
import type { RequestWindow, RequestWindowSnapshot } from './requestWindow.ts';

/** The /api/metrics document. */
export interface OrderMetrics {
  at: string;
  api: RequestWindowSnapshot;
  ordersByStatus: Record<string, number>;
  queues: QueueStats[];
  breakers: Array<{ name: string; state: string; retryAfterMs: number; transitions: Record<string, number> }>;
}

/** Orders per status (every status present, 0 when none). */
export async function countOrdersByStatus(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM orders GROUP BY status');
  const counts: Record<string, number> = Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0]));
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

/** Gather the metrics document. */
export async function collectOrderMetrics(db: Queryable, window: RequestWindow): Promise<OrderMetrics> {
  const [ordersByStatus, queues] = await Promise.all([countOrdersByStatus(db), queueStats(db)]);
  return {
    at: new Date().toISOString(),
    api: window.snapshot(),
    ordersByStatus,
    queues: ORDER_QUEUES.map((q) => queues.find((s) => s.queue === q) ?? { queue: q, pending: 0, ready: 0, running: 0, dead: 0, oldestPendingAgeMs: 0 }),
    breakers: policySnapshots(),
  };
}
