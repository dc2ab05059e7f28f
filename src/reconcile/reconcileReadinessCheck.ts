/**
 * The `reconciliation` section of `/readyz`: per source, the last reconciliation's counts. A
 * non-zero one (or one that failed) is a warning, never degraded: the service works, its tables
 * differ from the upstream, and the runbook (docs/runbooks) says how to repair them.
 */
import type { ReadinessCheck } from '../http/index.ts';
import type { Pool, Queryable } from '../db/index.ts';
import { lastReconciliations, type Reconciliation } from './reconciliations.ts';
import { totalDifferences } from './types.ts';

/** One warning sentence per source whose last reconciliation found differences or failed. */
export function reconciliationWarnings(last: readonly Reconciliation[]): string[] {
  const out: string[] = [];
  for (const r of last) {
    if (r.status === 'failed') out.push(`${r.source}: last reconciliation failed: ${r.error ?? 'unknown error'}`);
    else if (r.result && totalDifferences(r.result) > 0) {
      out.push(`${r.source}: tables differ from the upstream (missing ${r.result.missing.count}, extra ${r.result.extra.count}, different ${r.result.different.count}; reconciliation ${r.reconciliationId})`);
    }
  }
  return out;
}

/** The last result per source and the warnings, as the readiness section and the daily summary show them. */
export async function reconciliationStatus(db: Queryable): Promise<{ warnings: string[]; sources: Record<string, unknown> }> {
  const last = await lastReconciliations(db);
  const sources: Record<string, unknown> = {};
  for (const r of last) {
    sources[r.source] = {
      reconciliationId: r.reconciliationId, status: r.status, finishedAt: r.finishedAt,
      missing: r.result?.missing.count ?? null, extra: r.result?.extra.count ?? null, different: r.result?.different.count ?? null,
    };
  }
  return { warnings: reconciliationWarnings(last), sources };
}

/** Build the readiness check (never degraded: differences are warnings). */
export function reconcileReadinessCheck(pool: Pool): ReadinessCheck {
  return {
    name: 'reconciliation',
    async check() {
      const status = await reconciliationStatus(pool);
      return { ok: true, degraded: false, ...status };
    },
  };
}
