import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { resolveConfig } from '../../src/config.ts';
import { createConnectors } from '../../src/connectors/index.ts';
import { runSync, type IngestDeps } from '../../src/ingest/index.ts';
import { silentLogger } from '../../src/log.ts';
import { startAdPlatformSimulator, type AdPlatformTruth } from '../../src/sandbox/adplatform/index.ts';
import { createScaledClock } from '../connectors/scaledClock.ts';
import { drainOutbox } from './fixtures/support.ts';

type Sim = Awaited<ReturnType<typeof startAdPlatformSimulator>>;
const credentials = { email: 'ops@example.test', password: `pw-ingest-${process.pid}` };

async function control<T>(sim: Sim, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${sim.url}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as T;
}

describe("ingest end to end: ad platform under the platform's documented faults (20 % 503, 10 % timeouts, 10 req/min, expiring tokens)", () => {
  // 50× time: the platform's 60 s Retry-After and 10 req/min keep their proportions, in seconds of wall time.
  const clock = createScaledClock(50);
  const db = useTestDb();
  let sim: Sim;
  let deps: IngestDeps;
  before(async () => {
    sim = db.closeLater(await startAdPlatformSimulator({ port: 0, credentials, clock, faults: { records: 20, errorRate: 0.2, timeoutRate: 0.1, rateLimitPerMin: 10, tokenTtlS: 120, seed: 8 }, knobs: { syncMs: 20 } }));
    // Production resilience settings for the ad platform (config defaults), on the scaled clock.
    const config = resolveConfig({ NODE_ENV: 'test', AD_PLATFORM_API_URL: sim.url, AD_PLATFORM_EMAIL: credentials.email, AD_PLATFORM_PASSWORD: credentials.password, AD_PLATFORM_CLIENT_ID: 'buffalo-ingest-test' });
    deps = { pool: db.pool, config, logger: silentLogger, connectors: createConnectors(config, { logger: silentLogger, clock }) };
  });

  it('every campaign is stored exactly once with its synced_at; an edit is picked up by the next run', async () => {
    const run = await runSync(deps, { source: 'adplatform', mode: 'full' });
    assert.equal(run.status, 'success', run.error ?? '');
    assert.ok(run.tokenRefreshes + run.rateLimitWaits + Object.keys(run.retriesByCause).length > 0, `faults were met: ${JSON.stringify(run)}`);
    await drainOutbox(deps);
    const truth = await control<AdPlatformTruth>(sim, '/__sandbox/truth');
    const { rows } = await db.pool.query<{ external_id: string; name: string; status: string; budget_cents: string; impressions: string; clicks: string; conversions: string; synced_at: Date | null }>(
      "SELECT external_id, name, status, budget_cents, impressions, clicks, conversions, synced_at FROM campaigns WHERE source = 'adplatform'",
    );
    const stored = new Map(rows.map((r) => [r.external_id, r]));
    assert.equal(rows.length, truth.campaigns.length);
    for (const c of truth.campaigns) {
      const r = stored.get(c.id);
      assert.ok(r, `campaign ${c.id}`);
      assert.deepEqual([r.name, r.status, r.budget_cents, r.impressions, r.clicks, r.conversions], [c.name, c.status, String(Math.round(c.budget * 100)), String(c.impressions), String(c.clicks), String(c.conversions)]);
      assert.ok(r.synced_at, `campaign ${c.id} synced`);
    }

    await control(sim, '/__sandbox/campaigns/campaign_3', { name: 'Renamed three', budget: 77.25 });
    const next = await runSync(deps, { source: 'adplatform', mode: 'incremental' });
    assert.equal(next.status, 'success', next.error ?? '');
    await drainOutbox(deps);
    const edited = await db.pool.query("SELECT name, budget_cents FROM campaigns WHERE external_id = 'campaign_3'");
    assert.deepEqual(edited.rows[0], { name: 'Renamed three', budget_cents: '7725' });
  });
});
