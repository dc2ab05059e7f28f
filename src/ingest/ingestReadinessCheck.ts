/**
 * The ingest section of `/readyz`, summed up as the top-level `syncStatus`: per source, whether
 * it is enabled, when it last synced successfully, the last run's status, its upstream's circuit
 * breaker and what (if anything) is wrong with its sync; plus the outbox depth.
 *
 * Sync is `degraded` (still 200: restarting the API would not fix Stripe) while any enabled
 * source has one of these issues:
 * - its upstream's circuit breaker is open (calls are refused right now);
 * - its last finished run failed (the upstream or the run broke; a run still queued or running
 *   after it does not clear this until it succeeds);
 * - its data is stale: the last successful sync is older than three sync intervals (missed
 *   schedules, or runs that keep being skipped).
 * A source that never ran yet is not degraded: nothing is known to be wrong. `partial` runs
 * count as successful syncs: their bad records are in the DLQ, the upstream works.
 */
import { SOURCES } from '../config.ts';
import type { ReadinessCheck } from '../http/index.ts';
import { queueStats } from '../queue/index.ts';
import { policySnapshots } from '../resilience/index.ts';
import { lastSyncs, type LastSync } from './runs.ts';
import { INGEST_QUEUE, type IngestDeps } from './types.ts';

// Three missed schedules, not one: a run may be skipped or slow once without anything being wrong.
const STALE_AFTER_INTERVALS = 3;

/** Build the readiness check (its state is reported at the top level as `syncStatus`). */
export function ingestReadinessCheck(deps: Pick<IngestDeps, 'pool' | 'config' | 'connectors'>): ReadinessCheck {
  return {
    name: 'ingest',
    summaryField: 'syncStatus',
    async check() {
      const [syncs, queues] = await Promise.all([lastSyncs(deps.pool), queueStats(deps.pool)]);
      const breakers = new Map(policySnapshots().map((p) => [p.name, p]));
      const staleAfterMs = STALE_AFTER_INTERVALS * deps.config.scheduler.syncIntervalMs;
      const now = Date.now();
      let degraded = false;
      const sources: Record<string, unknown> = {};
      for (const source of SOURCES) {
        const enabled = deps.config[source].enabled && deps.connectors[source] !== undefined;
        const last = syncs.find((s) => s.source === source);
        const breaker = breakers.get(source);
        const issues = enabled ? syncIssues(last, breaker?.state, { now, staleAfterMs }) : [];
        if (issues.length > 0) degraded = true;
        sources[source] = {
          enabled,
          syncStatus: issues.length > 0 ? 'degraded' : 'healthy',
          issues,
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
    // The short per-source form clients of the published /readyz example read: `checks.stripe.lastSync`.
    alsoUnderChecks(section) {
      const out: Record<string, unknown> = {};
      for (const [source, s] of Object.entries(section.sources as Record<string, SourceSection>)) {
        if (s.enabled) out[source] = { ok: s.syncStatus === 'healthy', lastSync: s.lastSuccessAt };
      }
      return out;
    },
  };
}

interface SourceSection {
  enabled: boolean;
  syncStatus: 'healthy' | 'degraded';
  lastSuccessAt: string | null;
}

// What is wrong with an enabled source's sync, in words an operator can act on (empty: healthy).
function syncIssues(last: LastSync | undefined, breakerState: string | undefined, at: { now: number; staleAfterMs: number }): string[] {
  const issues: string[] = [];
  if (breakerState === 'open') issues.push('circuit breaker open: the upstream is failing and calls are refused for now');
  if (last?.lastFinished?.status === 'failed') issues.push(`last run failed${last.lastFinished.error ? `: ${last.lastFinished.error}` : ''}`);
  if (last?.lastSuccessAt && at.now - last.lastSuccessAt.getTime() > at.staleAfterMs) {
    const minutes = Math.round((at.now - last.lastSuccessAt.getTime()) / 60_000);
    issues.push(`stale: last successful sync ${minutes} min ago (more than ${STALE_AFTER_INTERVALS} sync intervals)`);
  }
  return issues;
}
