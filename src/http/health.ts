/**
 * Liveness and readiness. `/readyz` is 200 while the database answers, even when upstreams are
 * degraded (they are reported, not fatal: restarting the API would not fix Stripe); 503 only
 * when the database is unreachable.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Pool } from '../db/index.ts';

/** A non-fatal readiness section contributed by a module (sync state, breakers…). */
export interface ReadinessCheck {
  name: string;
  /**
   * Also report this section's state at the top level under this name: `healthy`, or
   * `degraded` when the section is degraded, failed, or could not run (database down).
   */
  summaryField?: string;
  /** Returns the section's JSON; `degraded: true` marks the overall status degraded. */
  check(): Promise<Record<string, unknown> & { degraded?: boolean }>;
  /** Short sections this check also puts directly under `checks` (e.g. one per source), built from its result. */
  alsoUnderChecks?(section: Record<string, unknown>): Record<string, unknown>;
}

/** Options of {@link healthRoutes}. */
export interface HealthOptions {
  pool: Pool;
  checks: ReadinessCheck[];
  startedAt: number;
}

const DB_PING_TIMEOUT_MS = 2000;

/** `GET /healthz`, `GET /health`, `GET /readyz`. */
export const healthRoutes: FastifyPluginAsync<HealthOptions> = async (app, opts) => {
  const uptimeS = () => Math.round((Date.now() - opts.startedAt) / 1000);
  const live = async () => ({ status: 'ok', uptimeS: uptimeS() });
  app.get('/healthz', { schema: { hide: true } }, live);
  app.get('/health', { schema: { hide: true } }, live);

  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const started = performance.now();
    let dbOk = true;
    let dbError: string | undefined;
    try {
      await pingWithTimeout(opts.pool, DB_PING_TIMEOUT_MS);
    } catch (err) {
      dbOk = false;
      dbError = (err as Error).message;
    }
    const db = { ok: dbOk, latencyMs: Math.round(performance.now() - started), ...(dbError ? { error: dbError } : {}) };
    const checks: Record<string, unknown> = { db };
    let degraded = false;
    const summaries: Record<string, 'healthy' | 'degraded'> = {};
    // Degraded until the section's check says otherwise: a state that could not be read is not healthy.
    for (const c of opts.checks) if (c.summaryField) summaries[c.summaryField] = 'degraded';
    if (dbOk) {
      for (const c of opts.checks) {
        try {
          const section = await c.check();
          if (section.degraded) degraded = true;
          else if (c.summaryField) summaries[c.summaryField] = 'healthy';
          checks[c.name] = section;
          Object.assign(checks, c.alsoUnderChecks?.(section));
        } catch (err) {
          degraded = true;
          checks[c.name] = { ok: false, error: (err as Error).message };
        }
      }
    }
    const status = !dbOk ? 'unavailable' : degraded ? 'degraded' : 'ok';
    return reply.code(dbOk ? 200 : 503).send({ status, ...summaries, checks, uptimeS: uptimeS() });
  });
};

async function pingWithTimeout(pool: Pool, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      pool.query('SELECT 1'),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`database did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
