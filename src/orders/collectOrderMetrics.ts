/** The JSON behind GET /api/metrics: API rate and latency, orders by status, order queues, breakers. */
import type { Queryable } from '../db/index.ts';
import { registry } from '../metrics.ts';
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

const TRANSITIONS_METRIC = 'buffalo_upstream_breaker_transitions_total';

/** Gather the metrics document. */
export async function collectOrderMetrics(db: Queryable, window: RequestWindow): Promise<OrderMetrics> {
  const [statusRows, queues, transitions] = await Promise.all([
    db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM orders GROUP BY status'),
    queueStats(db),
    breakerTransitions(),
  ]);
  const ordersByStatus: Record<string, number> = Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0]));
  for (const r of statusRows.rows) ordersByStatus[r.status] = r.n;
  return {
    at: new Date().toISOString(),
    api: window.snapshot(),
    ordersByStatus,
    queues: ORDER_QUEUES.map((q) => queues.find((s) => s.queue === q) ?? { queue: q, pending: 0, ready: 0, running: 0, dead: 0, oldestPendingAgeMs: 0 }),
    breakers: policySnapshots().map((p) => ({ ...p, transitions: transitions.get(p.name) ?? {} })),
  };
}

// Transition counts live in the resilience kit's Prometheus counter (process-wide).
async function breakerTransitions(): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  const metric = registry.getSingleMetric(TRANSITIONS_METRIC);
  if (!metric) return out;
  const { values } = await metric.get();
  for (const v of values) {
    const upstream = String(v.labels.upstream ?? '');
    const to = String(v.labels.to ?? '');
    const counts = out.get(upstream) ?? {};
    counts[to] = (counts[to] ?? 0) + v.value;
    out.set(upstream, counts);
  }
  return out;
}
