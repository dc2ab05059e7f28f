import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock, type RunningSimulator } from '../../src/sandbox/common/index.ts';
import { startHubspotSimulator, type HubspotSimState } from '../../src/sandbox/hubspot/index.ts';

const T0 = Date.UTC(2025, 5, 1, 12);
const AUTH = { authorization: 'Bearer pat-na1-faults' };

describe('hubspot simulator: faults, auth and data properties', () => {
  let sim: RunningSimulator<HubspotSimState>;
  before(async () => {
    sim = await startHubspotSimulator({ clock: createManualClock(T0), faults: { records: 300 } });
  });
  after(() => sim.close());

  it('429 body and X-HubSpot-RateLimit-* headers are exactly HubSpot ten-secondly ones', async () => {
    sim.setFaults({ rateLimitPerMin: 18 }); // 3 per 10-second window
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${sim.url}/crm/v3/objects/deals?limit=1`, { headers: AUTH });
      statuses.push(res.status);
      if (i === 0) {
        assert.equal(res.headers.get('x-hubspot-ratelimit-max'), '3');
        assert.equal(res.headers.get('x-hubspot-ratelimit-remaining'), '2');
        assert.equal(res.headers.get('x-hubspot-ratelimit-interval-milliseconds'), '10000');
      }
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    sim.setFaults({ rateLimitPerMin: 0 });
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    assert.equal(limited!.headers.get('x-hubspot-ratelimit-remaining'), '0');
    const body = (await limited!.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['correlationId', 'errorType', 'groupName', 'message', 'policyName', 'status']);
    assert.equal(body.status, 'error');
    assert.equal(body.message, 'You have reached your ten_secondly_rolling limit.');
    assert.equal(body.errorType, 'RATE_LIMIT');
    assert.equal(body.policyName, 'TEN_SECONDLY_ROLLING');
    assert.match(String(body.correlationId), /^[0-9a-f-]{36}$/);
  });

  it('errorRate 0.25 gives about 25 % HubSpot-format 503s over 500 calls', async () => {
    sim.setFaults({ errorRate: 0.25 });
    let errors = 0;
    const call = async () => {
      const res = await fetch(`${sim.url}/crm/v3/objects/contacts?limit=1`, { headers: AUTH });
      const body = (await res.json()) as { status?: string };
      if (res.status === 503) {
        errors++;
        assert.equal(body.status, 'error');
      } else assert.equal(res.status, 200);
    };
    for (let i = 0; i < 50; i++) await Promise.all(Array.from({ length: 10 }, call));
    sim.setFaults({ errorRate: 0 });
    assert.ok(errors >= 90 && errors <= 160, `errors=${errors}`);
  });

  it('401 without a token; OAuth tokens expire after tokenTtlS of simulated time', async () => {
    const none = await fetch(`${sim.url}/crm/v3/objects/deals`);
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { category: string }).category, 'INVALID_AUTHENTICATION');
    sim.setFaults({ tokenTtlS: 1800 });
    const tok = await fetch(`${sim.url}/oauth/v1/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token&refresh_token=r&client_id=c&client_secret=s' });
    const { access_token, expires_in } = (await tok.json()) as { access_token: string; expires_in: number };
    assert.equal(expires_in, 1800);
    assert.equal((await fetch(`${sim.url}/crm/v3/objects/deals?limit=1`, { headers: { authorization: `Bearer ${access_token}` } })).status, 200);
    sim.clock.advance(1801_000);
    const late = await fetch(`${sim.url}/crm/v3/objects/deals?limit=1`, { headers: { authorization: `Bearer ${access_token}` } });
    assert.equal(late.status, 401);
    assert.equal(((await late.json()) as { category: string }).category, 'EXPIRED_AUTHENTICATION');
    sim.setFaults({ tokenTtlS: 0 });
  });

  it('staleCursor makes every after cursor a 400', async () => {
    sim.setFaults({ staleCursor: true });
    const res = await fetch(`${sim.url}/crm/v3/objects/deals?limit=1&after=1`, { headers: AUTH });
    sim.setFaults({ staleCursor: false });
    assert.equal(res.status, 400);
  });
});

describe('hubspot simulator: determinism and poison', () => {
  it('same seed and clock → same data; poison deals are malformed where truth says', async () => {
    const mk = (seed: number) => startHubspotSimulator({ clock: createManualClock(T0), faults: { records: 400, seed, poisonRate: 0.1 } });
    const [a, b] = await Promise.all([mk(3), mk(3)]);
    try {
      a.clock.advance(3_600_000);
      b.clock.advance(3_600_000);
      assert.deepEqual(a.state.truth(), b.state.truth());
      const res = await fetch(`${a.url}/crm/v3/objects/deals?limit=100&properties=amount,dealstage,closedate`, { headers: AUTH });
      const page = (await res.json()) as { results: Array<{ id: string; properties: Record<string, string | null> }> };
      const poison = new Map(a.state.truth().deals.map((d) => [d.id, d.poison]));
      assert.ok([...poison.values()].filter(Boolean).length > 15);
      for (const r of page.results) {
        const p = r.properties;
        const malformed = !/^\d+(\.\d{1,2})?$/.test(p.amount ?? '') || !p.dealstage || (p.closedate !== null && p.closedate !== undefined && Number.isNaN(Date.parse(p.closedate)));
        assert.equal(malformed, Boolean(poison.get(r.id)), `deal ${r.id}`);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
