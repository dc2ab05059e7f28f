/**
 * Shapes of the API answers the page reads. Server types are imported type-only (erased by
 * esbuild), so the browser bundle holds no server code but cannot drift from the API.
 */
export type { RunReport } from '../../ingest/index.ts';
export type { DailyRevenue, WeeklyRevenue } from '../../revenue/index.ts';
export type { Overview } from '../collectOverview.ts';

/** A breaker as `/readyz` shows it. */
export interface ReadyBreaker {
  state: string;
  retryAfterMs: number;
}

/** One source in the ingest section of `/readyz`. */
export interface ReadySource {
  enabled: boolean;
  syncStatus: 'healthy' | 'degraded';
  /** Why the source's sync is degraded (empty when healthy). */
  issues: string[];
  lastSuccessAt: string | null;
  lastStatus: string | null;
  breaker: ReadyBreaker | null;
}

/** The last reconciliation of one source as /readyz reports it. */
export interface ReadyReconciliation {
  reconciliationId: string;
  status: 'done' | 'failed';
  finishedAt: string | null;
  missing: number | null;
  extra: number | null;
  different: number | null;
}

/** `GET /readyz`. */
export interface Readiness {
  status: 'ok' | 'degraded' | 'unavailable';
  /** Sync state of all sources together (absent from a server without the ingest section). */
  syncStatus?: 'healthy' | 'degraded';
  uptimeS: number;
  checks: {
    db: { ok: boolean; latencyMs: number; error?: string };
    ingest?: { ok: boolean; sources: Record<string, ReadySource>; outbox: { pending: number; dead: number; oldestPendingAgeMs: number } };
    eventsGateway?: { ok: boolean; breakers: Record<string, ReadyBreaker & { upstream: string }> };
    /** The last reconciliation per source (warnings when the tables differ from the upstream). */
    reconciliation?: { warnings: string[]; sources: Record<string, ReadyReconciliation> };
    [section: string]: unknown;
  };
}

/** One entry of `GET /dlq`. */
export interface DeadLetterView {
  id: string;
  queue: string;
  jobId: string;
  /** The job's connection (`<source>-default` for jobs from before connections); null for other queues. */
  connectionId: string | null;
  payload: unknown;
  reason: string;
  error: { name: string; message: string; stack: string | null; details: unknown };
  attempts: number;
  maxAttempts: number;
  replayOf: string | null;
  failedAt: string;
  replayedAt: string | null;
}

/** `GET /dlq`. */
export interface DeadLetterPage {
  items: DeadLetterView[];
  nextCursor: string | null;
}
