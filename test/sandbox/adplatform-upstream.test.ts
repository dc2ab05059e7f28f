import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock, type RunningSimulator } from '../../src/sandbox/common/index.ts';
import { ADPLATFORM_DEV_CREDENTIALS, startAdPlatformSimulator, type AdPlatformSimState, type AdPlatformTruth, type Campaign } from '../../src/sandbox/adplatform/index.ts';

// The behaviours of the platform the simulator imitates (docs/upstreams.md, "Ad platform"),
// each checked against the simulator's defaults.

const BASIC = `Basic ${Buffer.from(`${ADPLATFORM_DEV_CREDENTIALS.email}:${ADPLATFORM_DEV_CREDENTIALS.password}`).toString('base64')}`;
type Sim = RunningSimulator<AdPlatformSimState>;
interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

const login = async (sim: Sim) => String((await call(`${sim.url}/auth/token`, { method: 'POST', headers: { authorization: BASIC } })).body.access_token);
const truth = async (sim: Sim) => (await call(`${sim.url}/__sandbox/truth`)).body as unknown as AdPlatformTruth;
const advance = (sim: Sim, body: Record<string, number>) => call(`${sim.url}/__sandbox/advance`, { method: 'POST', body });
const settings = (sim: Sim, body: Record<string, unknown>) => call(`${sim.url}/__sandbox/settings`, { method: 'POST', body });

// Tests about something else switch the platform's 503/timeout counter off meanwhile.
async function withoutCounter(sim: Sim, fn: () => Promise<void>): Promise<void> {
  await settings(sim, { unavailableEvery: 0, timeoutEvery: 0 });
  try {
    await fn();
  } finally {
    await settings(sim, { unavailableEvery: 5, timeoutEvery: 10 });
  }
}

describe('ad-platform simulator: the platform as it is, by default', () => {
  let sim: Sim;
  let token: string;
  let clients = 0;
  // A fresh client id per call unless a test names one: only the limiter test meets the limiter.
  const auth = (client = `tests-${++clients}`) => ({ authorization: `Bearer ${token}`, 'x-client-id': client });
  before(async () => {
    sim = await startAdPlatformSimulator({ clock: createManualClock(Date.UTC(2026, 0, 1)), knobs: { syncMs: 0 } });
    token = await login(sim);
  });
  after(() => sim.close());

  it('defaults: the platform\'s own faults only (no rolled ones), 2 s syncs, no page maximum', async () => {
    const fresh = await startAdPlatformSimulator();
    try {
      const faults = (await call(`${fresh.url}/__sandbox/faults`)).body;
      assert.deepEqual(
        [faults.records, faults.rateLimitPerMin, faults.errorRate, faults.timeoutRate, faults.tokenTtlS],
        [100, 10, 0, 0, 3600],
      );
      assert.deepEqual((await call(`${fresh.url}/__sandbox/settings`)).body, { syncMs: 2000, unavailableEvery: 5, timeoutEvery: 10, rateLimitOvershoot: 1, maxPageSize: 0, honestPaging: false });
    } finally {
      await fresh.close();
    }
  });

  it('pages are numbered by page × limit: limit=100 lists the 100 campaigns in one call, page 2 is 100 phantoms, has_more as if limit were 10', () => withoutCounter(sim, async () => {
    await call(`${sim.url}/__sandbox/stats/reset`, { method: 'POST' });
    const p1 = await call(`${sim.url}/api/campaigns?page=1&limit=100`, { headers: auth() });
    assert.equal(p1.status, 200);
    assert.deepEqual(p1.body.pagination, { page: 1, limit: 100, total: 100, has_more: true });
    const t = await truth(sim);
    assert.deepEqual(p1.body.data, t.campaigns);
    const p2 = await call(`${sim.url}/api/campaigns?page=2&limit=100`, { headers: auth() });
    const phantoms = (p2.body.data as Campaign[]).map((c) => c.id);
    assert.deepEqual(phantoms, Array.from({ length: 100 }, (_, i) => `campaign_${101 + i}`));
    assert.deepEqual(p2.body.pagination, { page: 2, limit: 100, total: 100, has_more: true });
    const after2 = await truth(sim);
    assert.deepEqual(after2.phantomServed, phantoms);
    assert.equal(after2.campaigns.length, 100, 'phantoms are not part of the data set');
    // Deterministic: the same phantom twice is the same record.
    const again = await call(`${sim.url}/api/campaigns?page=11&limit=10`, { headers: auth() });
    assert.deepEqual(again.body.data, (p2.body.data as Campaign[]).slice(0, 10));
    assert.equal((again.body.pagination as { has_more: boolean }).has_more, false);
    const p9 = await call(`${sim.url}/api/campaigns?page=9&limit=5`, { headers: auth() });
    assert.equal((p9.body.pagination as { has_more: boolean }).has_more, true, 'has_more is page < 10 whatever the limit');
    const p10 = await call(`${sim.url}/api/campaigns?page=10&limit=5`, { headers: auth() });
    assert.equal((p10.body.pagination as { has_more: boolean }).has_more, false, 'half-way through at 5 per page');
  }));

  it('page and limit parse like parseInt with fallbacks (limit 10, page 1); no maximum unless maxPageSize', () => withoutCounter(sim, async () => {
    const get = async (q: string) => (await call(`${sim.url}/api/campaigns${q}`, { headers: auth() })).body as { data: Campaign[]; pagination: Record<string, unknown> };
    assert.deepEqual((await get('')).pagination, { page: 1, limit: 10, total: 100, has_more: true });
    assert.deepEqual((await get('?page=0&limit=abc')).pagination, { page: 1, limit: 10, total: 100, has_more: true });
    assert.deepEqual((await get('?page=2x&limit=3.9')).pagination, { page: 2, limit: 3, total: 100, has_more: true });
    assert.equal((await get('?limit=250')).data.length, 250);
    await call(`${sim.url}/__sandbox/settings`, { method: 'POST', body: { maxPageSize: 40 } });
    try {
      const capped = await get('?page=2&limit=100');
      assert.deepEqual([capped.data.length, capped.pagination.limit, capped.data[0]!.id], [40, 40, 'campaign_41']);
    } finally {
      await call(`${sim.url}/__sandbox/settings`, { method: 'POST', body: { maxPageSize: 0 } });
    }
  }));

  it('honestPaging slices the data set instead (has_more from the data, no phantoms)', async () => {
    await call(`${sim.url}/__sandbox/settings`, { method: 'POST', body: { honestPaging: true } });
    try {
      const last = await call(`${sim.url}/api/campaigns?page=2&limit=60`, { headers: auth() });
      assert.deepEqual([(last.body.data as Campaign[]).length, (last.body.pagination as { has_more: boolean }).has_more], [40, false]);
    } finally {
      await call(`${sim.url}/__sandbox/settings`, { method: 'POST', body: { honestPaging: false } });
    }
  });

  it('sync succeeds for any id; a made-up id is counted apart in the truth', async () => {
    await call(`${sim.url}/__sandbox/stats/reset`, { method: 'POST' });
    const real = await call(`${sim.url}/api/campaigns/campaign_7/sync`, { method: 'POST', headers: auth('sync') });
    const phantom = await call(`${sim.url}/api/campaigns/campaign_4242/sync`, { method: 'POST', headers: auth('sync') });
    assert.deepEqual([real.status, phantom.status, phantom.body.success, phantom.body.campaign_id], [200, 200, true, 'campaign_4242']);
    const t = await truth(sim);
    assert.deepEqual([t.syncCalls, t.phantomSyncs], [{ campaign_7: 1 }, { campaign_4242: 1 }]);
  });

  it('every 5th list call that passed auth and the limit is a 503, by a counter; syncs and refused (401) calls do not count', async () => {
    await call(`${sim.url}/__sandbox/stats/reset`, { method: 'POST' });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push((await call(`${sim.url}/api/campaigns?limit=1`, { headers: auth(`counter-${i}`) })).status);
      // Neither a sync nor a refused call moves the counter.
      await call(`${sim.url}/api/campaigns/campaign_1/sync`, { method: 'POST', headers: auth(`counter-${i}`) });
      await call(`${sim.url}/api/campaigns`, { headers: { authorization: 'Bearer nope' } });
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 503, 200, 200, 200, 200, 503], 'the 10th is a 503, never the silent timeout');
    const t = await truth(sim);
    assert.equal(t.listCalls, 10);
    const body = (await call(`${sim.url}/__sandbox/stats`)).body;
    assert.deepEqual([body.errors, body.timeouts], [2, 0]);
  });

  it('with the 503 rule off, every 10th list call is never answered', async () => {
    const held = await startAdPlatformSimulator({ knobs: { syncMs: 0, unavailableEvery: 0 }, faults: { rateLimitPerMin: 0 }, timeoutHoldMs: 100 });
    try {
      const t = await login(held);
      const outcomes: string[] = [];
      for (let i = 0; i < 10; i++) {
        outcomes.push(await fetch(`${held.url}/api/campaigns`, { headers: { authorization: `Bearer ${t}` } }).then((r) => String(r.status), () => 'no answer'));
      }
      assert.deepEqual(outcomes, [...Array(9).fill('200'), 'no answer']);
    } finally {
      await held.close();
    }
  });

  it('11 requests per sliding minute per X-Client-Id (both routes), a 429 with retry_after in the body and no Retry-After header; refused calls are not recorded; auth comes first', async () => {
    await settings(sim, { unavailableEvery: 0, timeoutEvery: 0 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        const res = i % 2 ? await call(`${sim.url}/api/campaigns/campaign_${i}/sync`, { method: 'POST', headers: auth('window') }) : await call(`${sim.url}/api/campaigns?limit=1`, { headers: auth('window') });
        statuses.push(res.status);
      }
      assert.deepEqual(statuses, Array(11).fill(200));
      const limited = await call(`${sim.url}/api/campaigns`, { headers: auth('window') });
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), null);
      assert.deepEqual(limited.body, { error: 'Rate limit exceeded', message: 'Too many requests. Limit: 10 per minute', retry_after: 60 });
      assert.equal((await call(`${sim.url}/api/campaigns/campaign_1/sync`, { method: 'POST', headers: auth('window') })).status, 429);
      assert.equal((await call(`${sim.url}/api/campaigns`, { headers: { authorization: 'Bearer nope', 'x-client-id': 'window' } })).status, 401);
      assert.equal((await call(`${sim.url}/api/campaigns`, { headers: auth('other') })).status, 200, 'per client');
      // Refused at +30 s: had it been recorded, only 10 would pass at +61 s.
      await advance(sim, { seconds: 30 });
      assert.equal((await call(`${sim.url}/api/campaigns`, { headers: auth('window') })).status, 429);
      await advance(sim, { seconds: 31 });
      const next: number[] = [];
      for (let i = 0; i < 12; i++) next.push((await call(`${sim.url}/api/campaigns?limit=1`, { headers: auth('window') })).status);
      assert.deepEqual(next, [...Array(11).fill(200), 429]);
      // Without X-Client-Id every caller is 'default'.
      const anon: number[] = [];
      for (let i = 0; i < 12; i++) anon.push((await call(`${sim.url}/api/campaigns?limit=1`, { headers: { authorization: `Bearer ${token}` } })).status);
      assert.deepEqual(anon, [...Array(11).fill(200), 429]);
    } finally {
      await settings(sim, { unavailableEvery: 5, timeoutEvery: 10 });
    }
  });

  it('one issue time for all tokens: a new login extends every token, and all expire together an hour after the last login', async () => {
    await advance(sim, { minutes: 2 });
    await settings(sim, { unavailableEvery: 0, timeoutEvery: 0 });
    await call(`${sim.url}/__sandbox/faults`, { method: 'POST', body: { rateLimitPerMin: 0 } });
    try {
      const use = async (t: string) => call(`${sim.url}/api/campaigns?limit=1`, { headers: { authorization: `Bearer ${t}` } });
      const first = await login(sim);
      await advance(sim, { minutes: 50 });
      const issued = (await call(`${sim.url}/auth/token`, { method: 'POST', headers: { authorization: BASIC } })).body;
      const second = String(issued.access_token);
      await advance(sim, { minutes: 50 });
      assert.equal((await use(first)).status, 200, 'the first token lives on: the second login reset its clock');
      await advance(sim, { minutes: 10, seconds: 1 });
      const [a, b] = [await use(first), await use(second)];
      assert.deepEqual([a.status, b.status], [401, 401]);
      assert.deepEqual(a.body, {
        error: 'Token expired',
        message: 'Access token has expired. Please obtain a new token.',
        expired_at: new Date(Number(issued.issued_at) * 1000 + 3_600_000).toISOString(),
      });
      assert.deepEqual(a.body, b.body);
      await login(sim);
      assert.equal((await use(first)).status, 200, 'any login revives every token');
      const unknown = await call(`${sim.url}/api/campaigns`, { headers: { authorization: 'Bearer made-up' } });
      assert.deepEqual([unknown.status, unknown.body], [401, { error: 'Unauthorized', message: 'Missing or invalid Bearer token' }]);
    } finally {
      await settings(sim, { unavailableEvery: 5, timeoutEvery: 10 });
      await call(`${sim.url}/__sandbox/faults`, { method: 'POST', body: { rateLimitPerMin: 10 } });
    }
  });
});
