import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPool } from '../../src/db/index.ts';
import { ingestReadinessCheck, runSync, type IngestDeps } from '../../src/ingest/index.ts';
import type { App } from '../../src/http/index.ts';
import { registerPolicy } from '../../src/resilience/policyRegistry.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { buildTestApp } from '../helpers/app.ts';
import { createFakeConnector, createFakeUpstream, type FakeUpstream } from './fixtures/fakeUpstream.ts';
import { testDeps } from './fixtures/support.ts';

interface ReadyBody {
  status: string;
  syncStatus: string;
  checks: { ingest: { sources: Record<string, { syncStatus: string; issues: string[]; enabled: boolean; lastSuccessAt: string | null }> } } & Record<string, { ok: boolean; lastSync: string | null } | undefined>;
}

describe('/readyz syncStatus', () => {
  const db = useTestDb();
  let up: FakeUpstream;
  let deps: IngestDeps;
  let app: App;
  const ready = async (): Promise<{ code: number; body: ReadyBody }> => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    return { code: res.statusCode, body: res.json() as ReadyBody };
  };

  before(async () => {
    up = createFakeUpstream(20, { pageSize: 10 });
    deps = testDeps(db.pool, [createFakeConnector(up)], { SYNC_INTERVAL_MS: String(15 * 60_000) });
    app = db.closeLater(await buildTestApp(db.pool, { readiness: [ingestReadinessCheck(deps)] }));
    await app.ready();
  });

  it('healthy next to status before any run and after a successful one; the key sits right after status', async () => {
    const fresh = await ready();
    assert.equal(fresh.code, 200);
    assert.equal(fresh.body.syncStatus, 'healthy', 'a source that never ran is not known to be broken');
    assert.deepEqual(Object.keys(fresh.body).slice(0, 2), ['status', 'syncStatus']);

    assert.equal((await runSync(deps, { source: 'hubspot', mode: 'full' })).status, 'success');
    const ok = await ready();
    assert.deepEqual({ code: ok.code, status: ok.body.status, syncStatus: ok.body.syncStatus }, { code: 200, status: 'ok', syncStatus: 'healthy' });
    assert.deepEqual(ok.body.checks.ingest.sources.hubspot!.issues, []);
    assert.equal(ok.body.checks.ingest.sources.stripe!.enabled, false, 'a disabled source never degrades sync');
    // The short per-source form of the published example: checks.<source> = {ok, lastSync}.
    assert.deepEqual(ok.body.checks.hubspot, { ok: true, lastSync: ok.body.checks.ingest.sources.hubspot!.lastSuccessAt });
    assert.ok(ok.body.checks.hubspot?.lastSync, 'lastSync is the last successful sync');
    assert.equal(ok.body.checks.stripe, undefined, 'a disabled source has no short section');
  });

  it('degraded (still 200) when a source\'s last finished run failed, until a run succeeds again', async () => {
    up.failAfterPages = 0;
    assert.equal((await runSync(deps, { source: 'hubspot', mode: 'full' })).status, 'failed');
    const failed = await ready();
    assert.equal(failed.code, 200, 'an upstream outage never fails readiness');
    assert.equal(failed.body.syncStatus, 'degraded');
    assert.equal(failed.body.status, 'degraded');
    const hubspot = failed.body.checks.ingest.sources.hubspot!;
    assert.equal(hubspot.syncStatus, 'degraded');
    assert.match(hubspot.issues.join('\n'), /last run failed: contact: fake upstream: connection reset/);
    assert.equal(failed.body.checks.hubspot?.ok, false);

    // A run accepted after the failure but not run yet does not clear it.
    await db.pool.query("INSERT INTO sync_runs (source, connection_id, mode, status, trigger) VALUES ('hubspot', 'hubspot-default', 'incremental', 'queued', 'scheduler')");
    assert.equal((await ready()).body.syncStatus, 'degraded');
    await db.pool.query("DELETE FROM sync_runs WHERE status = 'queued'");

    assert.equal((await runSync(deps, { source: 'hubspot', mode: 'incremental' })).status, 'success');
    assert.equal((await ready()).body.syncStatus, 'healthy');
  });

  it('degraded when the last successful sync is older than three sync intervals', async () => {
    // 50 min > 3 × the 15 min interval.
    await db.pool.query("UPDATE sync_runs SET finished_at = now() - interval '50 minutes' WHERE source = 'hubspot'");
    const stale = await ready();
    assert.equal(stale.code, 200);
    assert.equal(stale.body.syncStatus, 'degraded');
    assert.match(stale.body.checks.ingest.sources.hubspot!.issues.join('\n'), /^stale: last successful sync/m);
    assert.equal((await runSync(deps, { source: 'hubspot', mode: 'incremental' })).status, 'success');
    assert.equal((await ready()).body.syncStatus, 'healthy');
  });

  it('degraded while the source\'s circuit breaker is open', async () => {
    const breaker = (state: 'open' | 'closed') => registerPolicy({ name: 'hubspot', breakerState: () => state, breakerRetryAfterMs: () => (state === 'open' ? 30_000 : 0) });
    breaker('open');
    try {
      const open = await ready();
      assert.equal(open.code, 200);
      assert.equal(open.body.syncStatus, 'degraded');
      assert.match(open.body.checks.ingest.sources.hubspot!.issues.join('\n'), /circuit breaker open/);
    } finally {
      breaker('closed');
    }
    assert.equal((await ready()).body.syncStatus, 'healthy');
  });

  it('degraded with 503 when the database is unreachable (sync cannot progress without it)', async () => {
    const deadPool = createPool('postgres://postgres:x@127.0.0.1:1/none', { max: 1 });
    const deadApp = await buildTestApp(deadPool, { readiness: [ingestReadinessCheck({ ...deps, pool: deadPool })] });
    try {
      const res = await deadApp.inject({ method: 'GET', url: '/readyz' });
      assert.equal(res.statusCode, 503);
      assert.deepEqual({ status: res.json().status, syncStatus: res.json().syncStatus }, { status: 'unavailable', syncStatus: 'degraded' });
    } finally {
      await deadApp.close();
      await deadPool.end();
    }
  });
});
