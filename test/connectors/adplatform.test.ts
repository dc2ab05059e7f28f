import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAdplatformConnector } from '../../src/connectors/adplatform/createAdplatformConnector.ts';
import type { CampaignRow, Connector } from '../../src/connectors/contract.ts';
import { resolveConfig } from '../../src/config.ts';
import { createPolicy, newCallStats } from '../../src/resilience/index.ts';
import { startAdPlatformSimulator, type AdPlatformTruth } from '../../src/sandbox/adplatform/index.ts';
import { collect, control, duplicates } from './collect.ts';
import { fastSettings } from './policy.ts';
import { createScaledClock } from './scaledClock.ts';

type Sim = Awaited<ReturnType<typeof startAdPlatformSimulator>>;
const credentials = { email: 'ops@example.test', password: `pw-${process.pid}` };

describe('adplatform connector, no faults', () => {
  let sim: Sim;
  let connector: Connector;
  before(async () => {
    sim = await startAdPlatformSimulator({ port: 0, credentials, faults: { records: 45, errorRate: 0, timeoutRate: 0, rateLimitPerMin: 0, tokenTtlS: 3600 }, knobs: { syncMs: 5 } });
    connector = createAdplatformConnector({ apiUrl: sim.url, ...credentials, clientId: 'buffalo-test', policy: createPolicy('adplatform-test', fastSettings()), pageSize: 10 });
  });
  after(() => sim.close());

  it('pages until has_more is false and syncs every campaign exactly once', async () => {
    const run = await collect(connector.streams[0]!, null, 'full');
    const truth = await control<AdPlatformTruth>(sim.url, '/__sandbox/truth');
    const campaigns = run.records.filter((r) => r.entity === 'campaign').map((r) => r.externalId);
    assert.deepEqual(duplicates(campaigns), []);
    assert.deepEqual(campaigns, truth.campaigns.map((c) => c.id));
    const synced = run.records.filter((r) => r.entity === 'campaign_sync').map((r) => r.externalId);
    assert.deepEqual([...synced].sort(), [...campaigns].sort());
    assert.ok(Object.values(truth.syncCalls).every((n) => n === 1));
    assert.equal(JSON.parse(run.cursor!).nextPage, 1, 'the finished listing starts over next run');
    const row = connector.normalize('campaign', run.records[0]!.payload)[0]!.row as CampaignRow;
    assert.equal(row.budgetCents, String(Math.round(truth.campaigns[0]!.budget * 100)));
  });

  it('an edited campaign is picked up by the next (incremental) run', async () => {
    await control(sim.url, '/__sandbox/campaigns/campaign_7', { name: 'Renamed 7', budget: 1234.5 });
    const run = await collect(connector.streams[0]!, JSON.stringify({ v: 1, nextPage: 1 }), 'incremental');
    const rec = run.records.find((r) => r.entity === 'campaign' && r.externalId === 'campaign_7')!;
    const row = connector.normalize('campaign', rec.payload)[0]!.row as CampaignRow;
    assert.equal(row.name, 'Renamed 7');
    assert.equal(row.budgetCents, '123450');
  });

  it('a crashed listing resumes from the stored page', async () => {
    const run = await collect(connector.streams[0]!, JSON.stringify({ v: 1, nextPage: 4 }), 'incremental');
    const campaigns = run.records.filter((r) => r.entity === 'campaign').map((r) => r.externalId);
    assert.deepEqual(campaigns, ['campaign_31', 'campaign_32', 'campaign_33', 'campaign_34', 'campaign_35', 'campaign_36', 'campaign_37', 'campaign_38', 'campaign_39', 'campaign_40', 'campaign_41', 'campaign_42', 'campaign_43', 'campaign_44', 'campaign_45']);
  });

  it('a slow sync call does not hold back the records of the others', async () => {
    await control(sim.url, '/__sandbox/faults', { syncMs: 150 });
    try {
      const run = await collect(connector.streams[0]!, null, 'full');
      // Sync records arrive over several pages as calls complete, not in one batch at the end.
      const syncPages = run.pages.filter((p) => p.records.some((r) => r.entity === 'campaign_sync'));
      assert.ok(syncPages.length > 3, `${syncPages.length} pages carried sync results`);
      assert.equal(run.records.filter((r) => r.entity === 'campaign_sync').length, 45);
    } finally {
      await control(sim.url, '/__sandbox/faults', { syncMs: 5 });
    }
  });
});

describe('adplatform connector under the seeds\' faults (20% 503, 10% timeouts, 10 req/min, short tokens)', () => {
  const clock = createScaledClock(50);
  let sim: Sim;
  before(async () => {
    sim = await startAdPlatformSimulator({
      port: 0,
      credentials,
      clock,
      faults: { records: 20, errorRate: 0.2, timeoutRate: 0.1, rateLimitPerMin: 10, tokenTtlS: 120, seed: 3 },
      knobs: { syncMs: 20 },
    });
  });
  after(() => sim.close());

  it('collects and syncs every campaign, counting retries by cause, rate-limit waits and token refreshes', async () => {
    const policy = createPolicy(
      'adplatform-faults-test',
      fastSettings({ timeoutMs: 5000, deadlineMs: 600_000, maxAttempts: 8, backoffBaseMs: 1000, backoffMaxMs: 30_000, rateLimitPerMin: 10, rateLimitBurst: 1, concurrency: 5 }),
      { clock },
    );
    const connector = createAdplatformConnector({ apiUrl: sim.url, ...credentials, clientId: 'buffalo-test', policy, clock, pageSize: 10 });
    const stats = newCallStats();
    const run = await collect(connector.streams[0]!, null, 'full', { stats });
    const truth = await control<AdPlatformTruth>(sim.url, '/__sandbox/truth');
    const ids = truth.campaigns.map((c) => c.id);
    assert.deepEqual(run.records.filter((r) => r.entity === 'campaign').map((r) => r.externalId), ids);
    assert.deepEqual(run.records.filter((r) => r.entity === 'campaign_sync_failed').map((r) => r.externalId), []);
    assert.deepEqual(run.records.filter((r) => r.entity === 'campaign_sync').map((r) => r.externalId).sort(), [...ids].sort());
    assert.ok(stats.tokenRefreshes > 0, `token refreshes: ${stats.tokenRefreshes}`);
    assert.ok(stats.rateLimitWaits > 0, 'the limiter held calls');
    assert.ok(Object.keys(stats.retries).length > 0, `retries: ${JSON.stringify(stats.retries)}`);
  });

  it('with the production settings (burst 1) a sync at the rate limit earns no 429 and loses nothing', async () => {
    await control(sim.url, '/__sandbox/stats/reset', {});
    const policy = createPolicy('adplatform-defaults-test', resolveConfig({}).resilience.adplatform, { clock });
    const connector = createAdplatformConnector({ apiUrl: sim.url, ...credentials, clientId: 'buffalo-test-3', policy, clock, pageSize: 10 });
    const stats = newCallStats();
    const run = await collect(connector.streams[0]!, null, 'full', { stats });
    const ids = (await control<AdPlatformTruth>(sim.url, '/__sandbox/truth')).campaigns.map((c) => c.id);
    assert.deepEqual(run.records.filter((r) => r.entity === 'campaign_sync').map((r) => r.externalId).sort(), [...ids].sort());
    assert.equal(stats.retries.http_429 ?? 0, 0, `retries: ${JSON.stringify(stats.retries)}`);
    assert.ok(stats.rateLimitWaits > 0, 'the limiter, not the upstream, paced the calls');
  });

  it('with a burst of 10 a 429 is honoured (Retry-After) and nothing is lost', async () => {
    await control(sim.url, '/__sandbox/stats/reset', {});
    const policy = createPolicy('adplatform-burst-test', { ...resolveConfig({}).resilience.adplatform, rateLimitBurst: 10 }, { clock });
    const connector = createAdplatformConnector({ apiUrl: sim.url, ...credentials, clientId: 'buffalo-test-2', policy, clock, pageSize: 10 });
    const stats = newCallStats();
    const run = await collect(connector.streams[0]!, null, 'full', { stats });
    const ids = (await control<AdPlatformTruth>(sim.url, '/__sandbox/truth')).campaigns.map((c) => c.id);
    assert.deepEqual(run.records.filter((r) => r.entity === 'campaign_sync').map((r) => r.externalId).sort(), [...ids].sort());
    assert.ok((stats.retries.http_429 ?? 0) > 0, `retries: ${JSON.stringify(stats.retries)}`);
  });
});
