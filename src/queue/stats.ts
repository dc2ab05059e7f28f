/** Queue depth and age, and the queue's Prometheus metrics. */
import type { Queryable } from '../db/index.ts';
import { counter, gauge } from '../metrics.ts';

/** Depth of one queue. */
export interface QueueStats {
  queue: string;
  /** Outstanding jobs not leased (includes ones waiting for a retry's run_at). */
  pending: number;
  /** Pending jobs whose run_at has come. */
  ready: number;
  /** Jobs under a lease (leased workers; batch claims are row locks and count as pending). */
  running: number;
  /** Dead letters not yet replayed. */
  dead: number;
  /** How long the oldest ready job has been waiting past its run_at (0 when none). */
  oldestPendingAgeMs: number;
}

const STATS_SQL = `
WITH j AS (
  SELECT queue,
         count(*) FILTER (WHERE status = 'pending') AS pending,
         count(*) FILTER (WHERE status = 'pending' AND run_at <= now()) AS ready,
         count(*) FILTER (WHERE status = 'running') AS running,
         min(run_at) FILTER (WHERE status = 'pending' AND run_at <= now()) AS oldest
  FROM jobs GROUP BY queue
), d AS (
  SELECT queue, count(*) AS dead FROM dead_letters WHERE replayed_at IS NULL GROUP BY queue
)
SELECT COALESCE(j.queue, d.queue) AS queue,
       COALESCE(j.pending, 0)::int AS pending, COALESCE(j.ready, 0)::int AS ready,
       COALESCE(j.running, 0)::int AS running, COALESCE(d.dead, 0)::int AS dead,
       COALESCE(floor(extract(epoch FROM now() - j.oldest) * 1000), 0)::float8 AS oldest_ms
FROM j FULL JOIN d ON d.queue = j.queue
ORDER BY 1`;

/** Per-queue depth (pending, ready, running, dead) and the age of the oldest ready job. */
export async function queueStats(db: Queryable): Promise<QueueStats[]> {
  const { rows } = await db.query<{ queue: string; pending: number; ready: number; running: number; dead: number; oldest_ms: number }>(STATS_SQL);
  return rows.map((r) => ({ queue: r.queue, pending: r.pending, ready: r.ready, running: r.running, dead: r.dead, oldestPendingAgeMs: Math.max(0, r.oldest_ms) }));
}

/** Counters the workers bump after their writes commit. */
export const queueMetrics = {
  processed: counter('buffalo_queue_processed_total', 'Jobs handled successfully and acked', ['queue']),
  failed: counter('buffalo_queue_failed_total', 'Failed job attempts by kind (transient = retried, permanent = not retryable)', ['queue', 'kind']),
  dead: counter('buffalo_queue_dead_total', 'Jobs moved to the dead-letter table', ['queue']),
};

let statsSource: Queryable | null = null;

let refreshing: Promise<void> | null = null;

// prom-client collects all metrics concurrently; both gauges await the same single query.
function refreshOnce(): Promise<void> {
  refreshing ??= refreshGauges().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

const depthGauge = gauge('buffalo_queue_depth', 'Jobs per queue and state (pending, running, dead)', ['queue', 'state'], () => refreshOnce());
const ageGauge = gauge('buffalo_queue_oldest_age_seconds', 'Seconds the oldest ready job of a queue has been waiting', ['queue'], () => refreshOnce());

// One query per scrape fills both gauges; a failing database leaves the last values in place
// rather than failing the whole /metrics response.
async function refreshGauges(): Promise<void> {
  if (!statsSource) return;
  let stats: QueueStats[];
  try {
    stats = await queueStats(statsSource);
  } catch {
    return;
  }
  depthGauge.reset();
  ageGauge.reset();
  for (const s of stats) {
    depthGauge.set({ queue: s.queue, state: 'pending' }, s.pending);
    depthGauge.set({ queue: s.queue, state: 'running' }, s.running);
    depthGauge.set({ queue: s.queue, state: 'dead' }, s.dead);
    ageGauge.set({ queue: s.queue }, s.oldestPendingAgeMs / 1000);
  }
}

/** Serve the depth/age gauges from `db` at scrape time (call once at start-up). */
export function registerQueueMetrics(db: Queryable): void {
  statsSource = db;
}
