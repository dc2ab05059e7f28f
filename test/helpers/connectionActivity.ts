/**
 * Two Stripe connections with a history, for the tests of the operator views: the default one
 * (last run a success after an older failure) and `acme` (its own sealed credentials; last run
 * failed after a success, then a skip that must not count), plus dead letters of both — one from
 * a job that predates connections (no connectionId: the default's) — and one of another queue;
 * and a HubSpot connection `globex` that Buffalo marked broken and that never ran.
 */
import type { Pool } from '../../src/db/index.ts';
import { createConnection, createSecretBox } from '../../src/connections/index.ts';
import { finishRun, insertRun, newRunProgress } from '../../src/ingest/index.ts';
import { newCallStats } from '../../src/resilience/index.ts';

/** The secret that must never appear in any view. */
export const ACME_SECRET = 'sk_test_acmeNeverShown0123456789';
/** Globex's token, which must never appear either. */
export const GLOBEX_SECRET = 'pat-na1-globexNeverShown-0123456789';
/** Why globex is broken. */
export const GLOBEX_REASON = 'token refresh refused: invalid_grant';

/** What {@link seedConnectionActivity} made. */
export interface SeededActivity {
  acmeId: string;
  globexId: string;
  runs: { defaultFailed: string; defaultSuccess: string; acmeSuccess: string; acmeFailed: string };
}

async function run(pool: Pool, connectionId: string, status: 'success' | 'failed', error: string | null, fetched: number): Promise<string> {
  const id = await insertRun(pool, { source: 'stripe', connectionId, entity: '*', mode: 'incremental', status: 'running', trigger: 'schedule' });
  const progress = { ...newRunProgress(newCallStats()), recordsFetched: fetched };
  await finishRun(pool, id, progress, status, error);
  // Distinct creation times, oldest first, whatever the clock's resolution.
  await pool.query(`UPDATE sync_runs SET created_at = now() - make_interval(secs => 100 - (SELECT count(*) FROM sync_runs)) WHERE id = $1`, [id]);
  return id;
}

async function deadLetter(pool: Pool, queue: string, payload: object): Promise<void> {
  await pool.query(
    `INSERT INTO dead_letters (queue, job_id, payload, reason, error_name, error_message, attempts, max_attempts, job_created_at)
     VALUES ($1, 1, $2::jsonb, 'permanent', 'ZodError', 'amount: Required', 1, 5, now())`,
    [queue, JSON.stringify(payload)],
  );
}

/** Seed the history (the check of acme's credentials is skipped: no upstream here). */
export async function seedConnectionActivity(pool: Pool): Promise<SeededActivity> {
  const box = createSecretBox(Buffer.alloc(32, 7));
  const acme = await createConnection({ pool, box, check: async () => undefined }, { provider: 'stripe', name: 'acme', credentials: { apiKey: ACME_SECRET } });
  const globex = await createConnection({ pool, box, check: async () => undefined }, { provider: 'hubspot', name: 'globex', credentials: { accessToken: GLOBEX_SECRET } });
  // Only Buffalo sets broken (no API for it): as its token refresh would.
  await pool.query(`UPDATE connections SET status = 'broken', status_reason = $2 WHERE id = $1`, [globex.id, GLOBEX_REASON]);
  const runs = {
    defaultFailed: await run(pool, 'stripe-default', 'failed', 'HTTP 503 from stripe', 0),
    acmeSuccess: await run(pool, acme.id, 'success', null, 12),
    defaultSuccess: await run(pool, 'stripe-default', 'success', null, 40),
    acmeFailed: await run(pool, acme.id, 'failed', 'stripe refused the credentials: HTTP 401', 3),
  };
  await insertRun(pool, { source: 'stripe', connectionId: acme.id, entity: '*', mode: 'incremental', status: 'skipped', trigger: 'schedule', reason: 'another run is active' });
  await deadLetter(pool, 'ingest', { source: 'stripe', connectionId: acme.id, entity: 'charge', externalId: 'ch_acme', runId: runs.acmeFailed, payload: {}, hash: 'h' });
  await deadLetter(pool, 'ingest', { source: 'stripe', connectionId: acme.id, entity: 'charge', externalId: 'ch_acme2', runId: runs.acmeFailed, payload: {}, hash: 'h' });
  await deadLetter(pool, 'ingest', { source: 'stripe', entity: 'charge', externalId: 'ch_old', runId: null, payload: {}, hash: 'h' });
  await deadLetter(pool, 'ingest', { source: 'hubspot', connectionId: 'hubspot-default', entity: 'contact', externalId: '7', runId: null, payload: {}, hash: 'h' });
  await deadLetter(pool, 'orders', { orderId: 'o-1' });
  return { acmeId: acme.id, globexId: globex.id, runs };
}
