import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@hubspot/api-client';
import { createManualClock, type RunningSimulator } from '../../src/sandbox/common/index.ts';
import { startHubspotSimulator, type HubspotSimState } from '../../src/sandbox/hubspot/index.ts';

const T0 = Date.UTC(2025, 5, 1, 12);
const ALL = ['daily', 'daily-remaining', 'interval-milliseconds', 'max', 'remaining', 'secondly', 'secondly-remaining'].map((h) => `x-hubspot-ratelimit-${h}`);
const WINDOW = ALL.filter((h) => !h.includes('daily'));

type Headers = { get(name: string): string | null };
const present = (h: Headers, names: string[]) => names.filter((n) => h.get(n) !== null);

describe('hubspot simulator: X-HubSpot-RateLimit-* headers', () => {
  let sim: RunningSimulator<HubspotSimState>;
  let client: Client;
  before(async () => {
    sim = await startHubspotSimulator({ clock: createManualClock(T0), faults: { records: 50 } });
    client = new Client({ accessToken: 'pat-na1-headers', basePath: sim.url, numberOfApiCallRetries: 0 });
  });
  after(() => sim.close());

  it('object reads (list, get, a 404) carry all seven; the window counts down from the Professional limits', async () => {
    const list = await client.apiRequest({ method: 'GET', path: '/crm/v3/objects/deals', qs: { limit: 5 } });
    assert.equal(list.status, 200);
    assert.deepEqual(present(list.headers, ALL), ALL);
    assert.equal(list.headers.get('x-hubspot-ratelimit-interval-milliseconds'), '10000');
    assert.equal(list.headers.get('x-hubspot-ratelimit-max'), '190');
    assert.equal(list.headers.get('x-hubspot-ratelimit-secondly'), '19');
    assert.equal(list.headers.get('x-hubspot-ratelimit-daily'), '625000');
    const id = ((await list.json()) as { results: Array<{ id: string }> }).results[0]!.id;
    const one = await client.apiRequest({ method: 'GET', path: `/crm/v3/objects/deals/${id}` });
    assert.deepEqual(present(one.headers, ALL), ALL);
    assert.equal(Number(one.headers.get('x-hubspot-ratelimit-remaining')), Number(list.headers.get('x-hubspot-ratelimit-remaining')) - 1);
    assert.equal(Number(one.headers.get('x-hubspot-ratelimit-daily-remaining')), Number(list.headers.get('x-hubspot-ratelimit-daily-remaining')) - 1);
    const missing = await fetch(`${sim.url}/crm/v3/objects/deals/999999999`, { headers: { authorization: 'Bearer pat-na1-headers' } });
    assert.equal(missing.status, 404);
    assert.deepEqual(present(missing.headers, ALL), ALL);
  });

  it('search answers carry none of them (official client and plain HTTP)', async () => {
    const res = await client.apiRequest({ method: 'POST', path: '/crm/v3/objects/deals/search', body: { filterGroups: [], limit: 5 } });
    assert.equal(res.status, 200);
    assert.deepEqual(present(res.headers, ALL), []);
    const page = await client.crm.deals.searchApi.doSearch({ filterGroups: [], limit: 5, after: '0', properties: [], sorts: [] });
    assert.ok(page.results.length > 0);
  });

  it('OAuth tokens get the window headers but no daily pair', async () => {
    const tok = (await (await fetch(`${sim.url}/oauth/v1/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })).json()) as { access_token: string };
    const oauth = new Client({ accessToken: tok.access_token, basePath: sim.url, numberOfApiCallRetries: 0 });
    const res = await oauth.apiRequest({ method: 'GET', path: '/crm/v3/objects/contacts', qs: { limit: 1 } });
    assert.equal(res.status, 200);
    assert.deepEqual(present(res.headers, ALL), WINDOW);
  });

  it('with the rate-limit knob on, the window is the limiter\'s; a limited search still carries none', async () => {
    sim.setFaults({ rateLimitPerMin: 12 }); // 2 per ten seconds
    const auth = { authorization: 'Bearer pat-na1-knob' };
    const a = await fetch(`${sim.url}/crm/v3/objects/deals?limit=1`, { headers: auth });
    assert.equal(a.headers.get('x-hubspot-ratelimit-max'), '2');
    assert.equal(a.headers.get('x-hubspot-ratelimit-remaining'), '1');
    const search = async () => fetch(`${sim.url}/crm/v3/objects/deals/search`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' });
    const s1 = await search();
    const s2 = await search();
    sim.setFaults({ rateLimitPerMin: 0 });
    assert.deepEqual([s1.status, s2.status], [200, 429]);
    assert.deepEqual([...present(s1.headers, ALL), ...present(s2.headers, ALL)], []);
  });
});
