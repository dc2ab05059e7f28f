import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningSimulator } from '../../src/sandbox/common/index.ts';
import { ADPLATFORM_DEV_CREDENTIALS, startAdPlatformSimulator, type AdPlatformSimState, type AdPlatformTruth, type Campaign } from '../../src/sandbox/adplatform/index.ts';

const basic = (email: string, password: string) => `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;

async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
}

describe('ad-platform simulator: auth, pagination, sync, control', () => {
  let sim: RunningSimulator<AdPlatformSimState>;
  let token: string;
  const auth = () => ({ authorization: `Bearer ${token}`, 'x-client-id': 'tests' });

  before(async () => {
    // Faults off (the platform's counted 503s too) and no rate limit: these tests are about the
    // contract; the platform's paging and faults have their own file (adplatform-upstream).
    sim = await startAdPlatformSimulator({ faults: { errorRate: 0, timeoutRate: 0, rateLimitPerMin: 0 }, knobs: { syncMs: 20, unavailableEvery: 0, timeoutEvery: 0 } });
    const res = await call(`${sim.url}/auth/token`, { method: 'POST', headers: { authorization: basic(ADPLATFORM_DEV_CREDENTIALS.email, ADPLATFORM_DEV_CREDENTIALS.password) } });
    token = String(res.body.access_token);
  });
  after(() => sim.close());

  it('exchanges Basic credentials for a Bearer token; wrong credentials are 401', async () => {
    const ok = await call(`${sim.url}/auth/token`, { method: 'POST', headers: { authorization: basic(ADPLATFORM_DEV_CREDENTIALS.email, ADPLATFORM_DEV_CREDENTIALS.password) } });
    assert.equal(ok.status, 200);
    assert.deepEqual(Object.keys(ok.body).sort(), ['access_token', 'expires_in', 'issued_at', 'token_type']);
    assert.equal(ok.body.token_type, 'Bearer');
    assert.equal(ok.body.expires_in, 3600);
    assert.equal(typeof ok.body.issued_at, 'number');
    const bad = await call(`${sim.url}/auth/token`, { method: 'POST', headers: { authorization: basic(ADPLATFORM_DEV_CREDENTIALS.email, 'nope') } });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error, 'Invalid credentials');
    const missing = await call(`${sim.url}/auth/token`, { method: 'POST' });
    assert.equal(missing.status, 401);
  });

  it('a missing or unknown bearer token is 401 {"error":"Unauthorized"}', async () => {
    const res = await call(`${sim.url}/api/campaigns`, { headers: { authorization: 'Bearer not-a-token' } });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { error: 'Unauthorized', message: 'Missing or invalid Bearer token' });
    const none = await call(`${sim.url}/api/campaigns`);
    assert.deepEqual([none.status, none.body], [401, { error: 'Unauthorized', message: 'Missing or invalid Bearer token' }]);
  });

  it('paging to the total lists all 100 campaigns; totals and contents equal the truth', async () => {
    const seen: Campaign[] = [];
    let page = 1;
    for (;;) {
      const res = await call(`${sim.url}/api/campaigns?page=${page}&limit=7`, { headers: auth() });
      assert.equal(res.status, 200);
      const pagination = res.body.pagination as { page: number; limit: number; total: number; has_more: boolean };
      assert.deepEqual({ page: pagination.page, limit: pagination.limit, total: pagination.total }, { page, limit: 7, total: 100 });
      seen.push(...(res.body.data as Campaign[]));
      if (page * 7 >= pagination.total) break;
      page++;
    }
    assert.equal(page, 15);
    seen.length = 100; // the last page's 5 past the total are made up (adplatform-upstream)
    const truth = (await call(`${sim.url}/__sandbox/truth`)).body as unknown as AdPlatformTruth;
    assert.equal(truth.campaigns.length, 100);
    assert.deepEqual(seen, truth.campaigns);
    assert.deepEqual(Object.keys(seen[0]!).sort(), ['budget', 'clicks', 'conversions', 'created_at', 'id', 'impressions', 'name', 'status']);
    const def = await call(`${sim.url}/api/campaigns`, { headers: auth() });
    assert.deepEqual(def.body.pagination, { page: 1, limit: 10, total: 100, has_more: true });
  });

  it('sync answers {success, campaign_id, synced_at, message} and is counted per campaign in the truth', async () => {
    await call(`${sim.url}/__sandbox/stats/reset`, { method: 'POST' });
    const res = await call(`${sim.url}/api/campaigns/campaign_3/sync`, { method: 'POST', headers: auth() });
    assert.equal(res.status, 200);
    assert.equal(res.body.success, true);
    assert.equal(res.body.campaign_id, 'campaign_3');
    assert.ok(!Number.isNaN(Date.parse(String(res.body.synced_at))));
    assert.equal(typeof res.body.message, 'string');
    await call(`${sim.url}/api/campaigns/campaign_3/sync`, { method: 'POST', headers: auth() });
    const truth = (await call(`${sim.url}/__sandbox/truth`)).body as unknown as AdPlatformTruth;
    assert.deepEqual(truth.syncCalls, { campaign_3: 2 });
  });

  it('stats count calls per route and the maximum of concurrent syncs in flight', async () => {
    await call(`${sim.url}/__sandbox/settings`, { method: 'POST', body: { syncMs: 2000 } });
    await call(`${sim.url}/__sandbox/stats/reset`, { method: 'POST' });
    await Promise.all([1, 2, 3, 4, 5].map((n) => call(`${sim.url}/api/campaigns/campaign_${n}/sync`, { method: 'POST', headers: auth() })));
    await call(`${sim.url}/api/campaigns`, { headers: auth() });
    await call(`${sim.url}/__sandbox/settings`, { method: 'POST', body: { syncMs: 20 } });
    const stats = (await call(`${sim.url}/__sandbox/stats`)).body as { calls: Record<string, number>; maxInFlightByRoute: Record<string, number>; inFlight: number };
    assert.equal(stats.calls['POST /api/campaigns/:id/sync'], 5);
    assert.equal(stats.calls['GET /api/campaigns'], 1);
    assert.equal(stats.maxInFlightByRoute['POST /api/campaigns/:id/sync'], 5);
  });

  it('a campaign edited through the control endpoint is served edited; added campaigns extend the list, removed ones leave it', async () => {
    const edited = await call(`${sim.url}/__sandbox/campaigns/campaign_5`, { method: 'POST', body: { name: 'Edited name', budget: 1234.56, status: 'paused' } });
    assert.equal(edited.status, 200);
    const page = await call(`${sim.url}/api/campaigns?page=1&limit=5`, { headers: auth() });
    const c5 = (page.body.data as Campaign[]).find((c) => c.id === 'campaign_5');
    assert.deepEqual([c5?.name, c5?.budget, c5?.status], ['Edited name', 1234.56, 'paused']);
    assert.equal((await call(`${sim.url}/__sandbox/campaigns/nope`, { method: 'POST', body: { name: 'x' } })).status, 404);
    const added = await call(`${sim.url}/__sandbox/campaigns`, { method: 'POST', body: { name: 'Brand new' } });
    assert.equal(added.status, 201);
    assert.equal(added.body.id, 'campaign_101');
    const last = await call(`${sim.url}/api/campaigns?page=11&limit=10`, { headers: auth() });
    assert.equal((last.body.data as Campaign[])[0]!.name, 'Brand new');
    assert.equal((last.body.pagination as { total: number }).total, 101);
    assert.equal((await call(`${sim.url}/__sandbox/campaigns/campaign_101`, { method: 'DELETE' })).status, 204);
    assert.equal((await call(`${sim.url}/__sandbox/campaigns/campaign_101`, { method: 'DELETE' })).status, 404);
    const shrunk = await call(`${sim.url}/api/campaigns?page=1&limit=1`, { headers: auth() });
    assert.equal((shrunk.body.pagination as { total: number }).total, 100);
    const truth = (await call(`${sim.url}/__sandbox/truth`)).body as unknown as AdPlatformTruth;
    assert.ok(!truth.campaigns.some((c) => c.id === 'campaign_101'), 'the truth reflects the removal');
    assert.equal(truth.campaigns.length, 100);
  });

  it('the same seed gives the same campaigns; poisonRate marks malformed records in the truth', async () => {
    const other = await startAdPlatformSimulator({ faults: { errorRate: 0, timeoutRate: 0, rateLimitPerMin: 0, poisonRate: 0.2 } });
    try {
      const t1 = (await call(`${other.url}/__sandbox/truth`)).body as unknown as AdPlatformTruth;
      assert.ok(t1.poisonIds.length > 5 && t1.poisonIds.length < 40, `poison=${t1.poisonIds.length}`);
      const broken = (c: Campaign) => typeof c.budget !== 'number' || !c.name || Number.isNaN(Date.parse(c.created_at)) || c.impressions < 0;
      for (const id of t1.poisonIds) assert.ok(broken(t1.campaigns.find((c) => c.id === id)!), id);
      assert.equal(t1.campaigns.filter(broken).length, t1.poisonIds.length);
      other.setFaults({ poisonRate: 0 });
      const clean = (await call(`${other.url}/__sandbox/truth`)).body as unknown as AdPlatformTruth;
      assert.deepEqual(clean.poisonIds, []);
      const mine = (await call(`${sim.url}/__sandbox/truth`)).body as unknown as AdPlatformTruth;
      // Same default seed: identical names except the ones edited above.
      assert.deepEqual(clean.campaigns.slice(5, 100).map((c) => c.name), mine.campaigns.slice(5, 100).map((c) => c.name));
    } finally {
      await other.close();
    }
  });
});
