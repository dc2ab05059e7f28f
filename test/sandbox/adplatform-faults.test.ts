import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningSimulator } from '../../src/sandbox/common/index.ts';
import { ADPLATFORM_DEV_CREDENTIALS, startAdPlatformSimulator, type AdPlatformSimState } from '../../src/sandbox/adplatform/index.ts';

const BASIC = `Basic ${Buffer.from(`${ADPLATFORM_DEV_CREDENTIALS.email}:${ADPLATFORM_DEV_CREDENTIALS.password}`).toString('base64')}`;

async function getToken(url: string): Promise<string> {
  const res = await fetch(`${url}/auth/token`, { method: 'POST', headers: { authorization: BASIC } });
  assert.equal(res.status, 200);
  return String(((await res.json()) as { access_token: string }).access_token);
}

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('ad-platform simulator: faults', () => {
  let sim: RunningSimulator<AdPlatformSimState>;
  before(async () => {
    // The platform's own counted faults and limits are in adplatform-upstream.test.ts; these are the rolled ones.
    sim = await startAdPlatformSimulator({ faults: { errorRate: 0, timeoutRate: 0 }, knobs: { syncMs: 0, unavailableEvery: 0, timeoutEvery: 0 } });
  });
  after(() => sim.close());

  it('the tokenTtlS knob sets the lifetime: past it a token is 401 "Token expired"; a new login works', async () => {
    await post(`${sim.url}/__sandbox/faults`, { tokenTtlS: 1, rateLimitPerMin: 0 });
    const res0 = await fetch(`${sim.url}/auth/token`, { method: 'POST', headers: { authorization: BASIC } });
    const issued = (await res0.json()) as { access_token: string; expires_in: number };
    assert.equal(issued.expires_in, 1);
    const use = (t: string) => fetch(`${sim.url}/api/campaigns`, { headers: { authorization: `Bearer ${t}` } });
    assert.equal((await use(issued.access_token)).status, 200);
    await post(`${sim.url}/__sandbox/advance`, { ms: 1500 });
    const expired = await use(issued.access_token);
    assert.equal(expired.status, 401);
    assert.equal(((await expired.json()) as { error: string }).error, 'Token expired');
    assert.equal((await use(await getToken(sim.url))).status, 200);
    await post(`${sim.url}/__sandbox/faults`, { tokenTtlS: 3600, rateLimitPerMin: 10 });
  });

  it('over 600 calls, timeouts come at timeoutRate and 503s at errorRate of the rest', async () => {
    // A second simulator whose held ("timed out") sockets are dropped after 200 ms: a call is then
    // classified by whether any answer came, never by a client timer (the machine may be slow).
    const held = await startAdPlatformSimulator({ faults: { errorRate: 0.2, timeoutRate: 0.1, rateLimitPerMin: 0, latencyMs: 0 }, knobs: { syncMs: 0, unavailableEvery: 0, timeoutEvery: 0 }, timeoutHoldMs: 200 });
    try {
      const token = await getToken(held.url);
      const tally = { ok: 0, unavailable: 0, timedOut: 0, other: 0 };
      const one = async () => {
        let res: Response;
        try {
          res = await fetch(`${held.url}/api/campaigns?limit=1`, { headers: { authorization: `Bearer ${token}` } });
        } catch {
          tally.timedOut++; // no answer at all: the socket was held, then dropped
          return;
        }
        const body = (await res.json()) as { error?: string };
        if (res.status === 200) tally.ok++;
        else if (res.status === 503 && body.error === 'Service temporarily unavailable') tally.unavailable++;
        else tally.other++;
      };
      const total = 600;
      for (let i = 0; i < total; i += 50) await Promise.all(Array.from({ length: 50 }, one));
      assert.equal(tally.other, 0);
      assert.equal(tally.ok + tally.unavailable + tally.timedOut, total);
      const timeoutRate = tally.timedOut / total;
      const errorRate = tally.unavailable / (total - tally.timedOut);
      assert.ok(Math.abs(timeoutRate - 0.1) < 0.04, `timeout rate ${timeoutRate}`);
      assert.ok(Math.abs(errorRate - 0.2) < 0.05, `503 rate ${errorRate}`);
      const stats = (await (await fetch(`${held.url}/__sandbox/stats`)).json()) as { timeouts: number; errors: number; calls: Record<string, number> };
      assert.deepEqual([stats.timeouts, stats.errors, stats.calls['GET /api/campaigns']], [tally.timedOut, tally.unavailable, total]);
    } finally {
      await held.close();
    }
  });

  it('a timed-out call gets no answer at all: the client\'s own timeout fires', async () => {
    await post(`${sim.url}/__sandbox/faults`, { timeoutRate: 1, rateLimitPerMin: 0 });
    const token = await getToken(sim.url);
    const err = await fetch(`${sim.url}/api/campaigns`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(300) }).then(
      () => undefined,
      (e: Error) => e,
    );
    await post(`${sim.url}/__sandbox/faults`, { timeoutRate: 0, rateLimitPerMin: 10 });
    assert.equal(err?.name, 'TimeoutError');
  });

  it('faults and rate limits come after the token check (an unknown token is 401 even when rate limited)', async () => {
    await post(`${sim.url}/__sandbox/faults`, { errorRate: 1, rateLimitPerMin: 1 });
    const res = await fetch(`${sim.url}/api/campaigns`, { headers: { authorization: 'Bearer bogus' } });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { error: 'Unauthorized', message: 'Missing or invalid Bearer token' });
    await post(`${sim.url}/__sandbox/faults`, { errorRate: 0, rateLimitPerMin: 0 });
  });
});
