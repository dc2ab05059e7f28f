/**
 * The ingest section of `/readyz`: per source, whether it is enabled, when it last synced
 * successfully, the last run's status and its upstream's circuit breaker; plus the outbox
 * depth. Degraded (still 200) while a breaker is open: restarting the API would not fix Stripe.
 */
import { SOURCES } from '../config.ts';
import type { ReadinessCheck } from '../http/index.ts';
import { queueStats } from '../queue/index.ts';
import { policySnapshots } from '../resilience/index.ts';
import { lastSyncs } from './runs.ts';
import { INGEST_QUEUE, type IngestDeps } from './types.ts';

/** Build the readiness check. */
export function ingestReadinessCheck(deps: Pick<IngestDeps, 'pool' | 'config' | 'connectors'>): ReadinessCheck {
  return {
    name: 'ingest',
    async check() {
      const [syncs, queues] = await Promise.all([lastSyncs(deps.pool), queueStats(deps.pool)]);
      const breakers = new Map(policySnapshots().map((p) => [p.name, p]));
      let degraded = false;
      const sources: Record<string, unknown> = {};
      for (const source of SOURCES) {
        const enabled = deps.config[source].enabled && deps.connectors[source] !== undefined;
        const last = syncs.find((s) => s.source === source);
        const breaker = breakers.get(source);
        if (enabled && breaker && breaker.state === 'open') degraded = true;
        sources[source] = {
          enabled,
          lastSuccessAt: last?.lastSuccessAt?.toISOString() ?? null,
          lastStatus: last?.lastStatus ?? null,
          breaker: breaker ? { state: breaker.state, retryAfterMs: breaker.retryAfterMs } : null,
        };
      }
      const outbox = queues.find((q) => q.queue === INGEST_QUEUE);
      return {
        ok: !degraded,
        degraded,
        sources,
        outbox: { pending: outbox?.pending ?? 0, dead: outbox?.dead ?? 0, oldestPendingAgeMs: outbox?.oldestPendingAgeMs ?? 0 },
      };
    },
  };
}
