/**
 * The JSON behind `GET /dashboard/api/overview`: queue depths, orders by status, this
 * process's breakers with their transition counts, and the connections with their last runs.
 * Each part comes from the module that owns its SQL (queue, orders, ingest) or its state
 * (resilience), so the dashboard adds no queries.
 */
import { z } from 'zod';
import { lastRunView } from '../connections/index.ts';
import type { Queryable } from '../db/index.ts';
import { summarizeConnections } from '../ingest/index.ts';
import { countOrdersByStatus } from '../orders/index.ts';
import { queueStats } from '../queue/index.ts';
import { policySnapshots } from '../resilience/index.ts';

/** How many connections the overview lists (the counts cover all of them). */
export const CONNECTIONS_SHOWN = 200;

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
  connections: z
    .object({
      total: z.number().int(),
      needingAttention: z.number().int().describe('broken, or whose last run failed'),
      counts: z.array(z.object({ provider: z.string(), active: z.number().int(), paused: z.number().int(), broken: z.number().int() })),
      items: z.array(
        z.object({
          id: z.string(),
          provider: z.string(),
          name: z.string(),
          status: z.string(),
          statusReason: z.string().nullable(),
          lastRun: lastRunView,
          deadLetters: z.number().int(),
          needsAttention: z.boolean(),
        }),
      ),
    })
    .describe(`Connections (never their credentials): counts per provider and status, and at most ${CONNECTIONS_SHOWN} of them, those needing attention first, then the most recently active`),
});

/** The overview document. */
export type Overview = z.infer<typeof overviewSchema>;

/** Gather the overview. */
export async function collectOverview(db: Queryable): Promise<Overview> {
  const [ordersByStatus, queues, connections] = await Promise.all([countOrdersByStatus(db), queueStats(db), summarizeConnections(db, { limit: CONNECTIONS_SHOWN })]);
  return {
    at: new Date().toISOString(),
    queues,
    dlq: { dead: queues.reduce((n, q) => n + q.dead, 0) },
    ordersByStatus,
    breakers: policySnapshots(),
    connections,
  };
}
