/**
 * The JSON behind `GET /dashboard/api/overview`: queue depths, orders by status and this
 * process's breakers with their transition counts. Each part comes from the module that owns
 * its SQL (queue, orders) or its state (resilience), so the dashboard adds no queries.
 */
import { z } from 'zod';
import type { Queryable } from '../db/index.ts';
import { collectOrderMetrics, createRequestWindow } from '../orders/index.ts';
import { queueStats } from '../queue/index.ts';

/** Response schema (also the OpenAPI document's). */
export const overviewSchema = z.object({
  at: z.string().describe('When the overview was taken (ISO 8601)'),
  queues: z.array(
    z.object({
      queue: z.string(),
      pending: z.number().int(),
      ready: z.number().int(),
      running: z.number().int(),
      dead: z.number().int(),
      oldestPendingAgeMs: z.number(),
    }),
  ),
  dlq: z.object({ dead: z.number().int().describe('Dead letters not replayed, all queues') }),
  ordersByStatus: z.record(z.string(), z.number().int()),
  breakers: z
    .array(z.object({ name: z.string(), state: z.string(), retryAfterMs: z.number(), transitions: z.record(z.string(), z.number()) }))
    .describe('Circuit breakers of the API process that answered (breakers are per process)'),
});

/** The overview document. */
export type Overview = z.infer<typeof overviewSchema>;

// collectOrderMetrics wants a request window; the dashboard does not show the order API's
// rate (GET /api/metrics does), so an empty one is enough.
const noRequests = createRequestWindow({ capacity: 1 });

/** Gather the overview. */
export async function collectOverview(db: Queryable): Promise<Overview> {
  // Order metrics carry only the order queues; the dashboard shows every queue.
  const [m, queues] = await Promise.all([collectOrderMetrics(db, noRequests), queueStats(db)]);
  return {
    at: m.at,
    queues,
    dlq: { dead: queues.reduce((n, q) => n + q.dead, 0) },
    ordersByStatus: m.ordersByStatus,
    breakers: m.breakers.map((b) => ({ name: b.name, state: b.state, retryAfterMs: b.retryAfterMs, transitions: b.transitions })),
  };
}
