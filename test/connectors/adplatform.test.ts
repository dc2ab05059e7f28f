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

  it('pages to the platform\'s total and syncs every campaign exactly once (the 5th list call\'s 503 retried)', async () => {
    const run = await collect(connector.streams[0]!, null, 'full');
    const truth = await control<AdPlatformTruth>(sim.url, '/__sandbox/truth');
    const campaigns = run.records.filter((r) => r.entity === 'campaign').map((r) => r.externalId);
    assert.deepEqual(duplicates(campaigns), []);
    assert.deepEqual(campaigns, truth.campaigns.map((c) => c.id));
    const synced = run.records.filter((r) => r.entity === 'campaign_sync').map((r) => r.externalId);
    assert.deepEqual([...synced].sort(), [...campaigns].sort());
    assert.ok(Object.values(truth.syncCalls).every((n) => n === 1));
    // Page 5 of 10 reaches past 45: its 5 made-up campaigns are served but left out.
    assert.equal(truth.phantomServed.length, 5);
    assert.deepEqual(truth.phantomSyncs, {});
    assert.ok(run.notes.some((n) => /left out 5 campaign\(s\) the platform served past its own total of 45/.test(n)), run.notes.join('\n'));
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

describe('adplatform connector under the platform\'s documented faults (20% 503, 10% timeouts, 10 req/min, short tokens)', () => {
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

  it('with a burst of 10 a 429 is honoured (retry_after in the body, no header) and nothing is lost', async () => {
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

describe('adplatform connector against the platform as it is (page × limit numbering, has_more as if limit were 10)', () => {
  let sim: Sim;
  before(async () => {
    // The platform's own behaviour (counted 503s, phantoms past the end), minus the rate limit: these tests are about paging.
    sim = await startAdPlatformSimulator({ port: 0, credentials, faults: { rateLimitPerMin: 0 }, knobs: { syncMs: 1 } });
  });
  after(() => sim.close());

  interface Stats {
    calls: Record<string, number>;
  }
  async function listOnce(pageSize: number, opts: { clientId?: string; afterPage?: (n: number) => Promise<void> } = {}) {
    await control(sim.url, '/__sandbox/stats/reset', {});
    const connector = createAdplatformConnector({ apiUrl: sim.url, ...credentials, clientId: opts.clientId ?? 'paging', policy: createPolicy(`adplatform-paging-${pageSize}`, fastSettings()), pageSize });
    const run = await collect(connector.streams[0]!, null, 'full', opts.afterPage ? { afterPage: opts.afterPage } : {});
    const truth = await control<AdPlatformTruth>(sim.url, '/__sandbox/truth');
    const stats = await control<Stats>(sim.url, '/__sandbox/stats');
    const stored = run.records.filter((r) => r.entity === 'campaign').map((r) => r.externalId);
    const synced = run.records.filter((r) => r.entity === 'campaign_sync').map((r) => r.externalId);
    return { run, truth, stored, synced, listCalls: stats.calls['GET /api/campaigns'] ?? 0 };
  }

  it('100 per page (the default): one list request, exactly the 100 campaigns, each synced once, no phantom', async () => {
    const r = await listOnce(100);
    assert.equal(r.listCalls, 1);
    assert.deepEqual(r.stored, r.truth.campaigns.map((c) => c.id));
    assert.deepEqual([...r.synced].sort(), [...r.stored].sort());
    assert.ok(Object.values(r.truth.syncCalls).every((n) => n === 1) && Object.keys(r.truth.syncCalls).length === 100);
    assert.deepEqual([r.truth.phantomServed, r.truth.phantomSyncs], [[], {}]);
    assert.deepEqual(r.run.notes, ["stopped paging at page 1: the platform's total of 100 was reached although it answered has_more=true"]);
  });

  it('10 per page: ten list requests (twelve with the counter\'s 503s retried) for the same 100', async () => {
    const r = await listOnce(10);
    assert.equal(r.listCalls, 12);
    assert.equal(r.truth.listCalls, 12);
    assert.deepEqual(r.stored, r.truth.campaigns.map((c) => c.id));
    assert.deepEqual(r.truth.phantomServed, []);
  });

  it('30 per page: the last page\'s 20 made-up campaigns are served but neither stored nor synced', async () => {
    const r = await listOnce(30);
    assert.deepEqual(r.stored, r.truth.campaigns.map((c) => c.id));
    assert.equal(r.truth.phantomServed.length, 20);
    assert.deepEqual(r.truth.phantomSyncs, {});
    assert.ok(r.run.notes.some((n) => n.startsWith('left out 20 campaign(s)')), r.run.notes.join('\n'));
  });

  it('5 per page: has_more=false after page 10 is half-way; paging goes on to the total', async () => {
    const r = await listOnce(5);
    assert.equal(r.stored.length, 100);
    assert.ok(r.run.notes.some((n) => n.startsWith('the platform answered has_more=false at page 10 with 50 of its total of 100')), r.run.notes.join('\n'));
  });

  it('a platform that caps the page size lower than asked is followed at its size', async () => {
    await control(sim.url, '/__sandbox/settings', { maxPageSize: 40 });
    try {
      const r = await listOnce(100);
      assert.deepEqual(r.stored, r.truth.campaigns.map((c) => c.id));
      assert.equal(r.listCalls, 3);
      assert.deepEqual(r.truth.phantomSyncs, {});
      assert.ok(r.run.notes.includes('the platform serves at most 40 campaigns per page (asked 100); paging continued at 40'), r.run.notes.join('\n'));
    } finally {
      await control(sim.url, '/__sandbox/settings', { maxPageSize: 0 });
    }
  });

  it('campaigns added while listing: the total changes, the listing restarts and ends with every campaign', async () => {
    let added = '';
    const r = await listOnce(25, {
      afterPage: async (n) => {
        if (n === 1) added = (await control<{ id: string }>(sim.url, '/__sandbox/campaigns', { name: 'Added mid-listing' })).id;
      },
    });
    assert.ok(r.run.notes.some((n) => n.startsWith("the platform's total changed from 100 to 101 during the listing (page 2); listing restarted from page 1")), r.run.notes.join('\n'));
    assert.deepEqual(new Set(r.stored), new Set(r.truth.campaigns.map((c) => c.id)));
    assert.ok(r.stored.includes(added));
    assert.deepEqual(r.truth.phantomSyncs, {});
    assert.ok(Object.values(r.truth.syncCalls).every((n) => n === 1), 'a restart syncs nothing twice');
    const res = await fetch(`${sim.url}/__sandbox/campaigns/${added}`, { method: 'DELETE' });
    assert.equal(res.status, 204);
  });
});
