import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { resolveConfig } from '../../src/config.ts';
import { createConnectors } from '../../src/connectors/index.ts';
import { acceptSync, createSyncWorker, runSync, SYNC_QUEUE, type IngestDeps } from '../../src/ingest/index.ts';
import { silentLogger } from '../../src/log.ts';
import { startAdPlatformSimulator } from '../../src/sandbox/adplatform/index.ts';
import { waitFor } from '../helpers/waitFor.ts';

type Sim = Awaited<ReturnType<typeof startAdPlatformSimulator>>;
const credentials = { email: 'ops@example.test', password: `pw-cancel-${process.pid}` };

async function requestsServed(sim: Sim): Promise<number> {
  const res = await fetch(`${sim.url}/__sandbox/stats`);
  return ((await res.json()) as { requests: number }).requests;
}

describe('a sync in progress is cancelled when its worker stops', () => {
  const db = useTestDb();
  let sim: Sim;
  let deps: IngestDeps;
  before(async () => {
    // Real time and the platform's real limit (10 req/min): a full sync of 30 campaigns would
    // take minutes, nearly all of it waiting for the rate limiter.
    sim = db.closeLater(await startAdPlatformSimulator({ port: 0, credentials, faults: { records: 30, errorRate: 0, timeoutRate: 0, rateLimitPerMin: 10, seed: 3 }, knobs: { syncMs: 10 } }));
    const config = resolveConfig({ NODE_ENV: 'test', AD_PLATFORM_API_URL: sim.url, AD_PLATFORM_EMAIL: credentials.email, AD_PLATFORM_PASSWORD: credentials.password, AD_PLATFORM_CLIENT_ID: 'buffalo-cancel-test' });
    deps = { pool: db.pool, config, logger: silentLogger, connectors: createConnectors(config, { logger: silentLogger }) };
  });

  // If cancellation did not reach the rate-limit wait, stop() would wait out the whole sync and
  // the test would hit this timeout instead of passing.
  it('stop() ends the run within its rate-limit wait: failed as interrupted, job settled, lock released', { timeout: 60_000 }, async () => {
    const runId = await acceptSync(db.pool, { source: 'adplatform', mode: 'full', trigger: 'test' });
    const worker = createSyncWorker(deps, { pollIntervalMs: 50 });
    await worker.start();
    // Mid-run: logged in and past the first requests, now held by the 10/min limiter.
    await waitFor('the sync to reach the rate limit', async () => (await requestsServed(sim)) >= 2);
    await worker.stop();

    const run = (await db.pool.query<{ status: string; error: string | null; finished_at: Date | null }>('SELECT status, error, finished_at FROM sync_runs WHERE id = $1', [runId])).rows[0]!;
    assert.equal(run.status, 'failed');
    assert.match(run.error ?? '', /interrupted \(the .* worker is stopping\); the next run resumes from the last committed page/);
    assert.ok(run.finished_at, 'the run is finished, not left running');
    const served = await requestsServed(sim);
    assert.ok(served < 10, `stopped early: ${served} requests served of the ~32 a full sync needs`);
    const jobs = await db.pool.query("SELECT status FROM jobs WHERE queue = $1 AND status IN ('running', 'pending')", [SYNC_QUEUE]);
    assert.equal(jobs.rowCount, 0, 'the sync job was settled, not left leased');

    // Its lease was released: the next run starts (and is not skipped).
    const controller = new AbortController();
    const next = runSync(deps, { source: 'adplatform', mode: 'incremental', signal: controller.signal });
    await waitFor('the next run to start', async () => (await db.pool.query("SELECT 1 FROM sync_runs WHERE source = 'adplatform' AND status = 'running'")).rowCount === 1);
    controller.abort(new Error('test over'));
    const report = await next;
    assert.equal(report.status, 'failed');
    assert.match(report.error ?? '', /interrupted \(test over\)/);
  });
});
