import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createManualClock, createPolicy, createTokenProvider, newCallStats, requestJson, UpstreamHttpError } from '../../src/resilience/index.ts';
import { drive, inFlight, reply, settings, startServer } from './helpers.ts';

const servers: Array<{ close(): Promise<void> }> = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('token provider', () => {
  it('20 concurrent getToken calls cause one refresh', async () => {
    const clock = createManualClock();
    let fetches = 0;
    const provider = createTokenProvider(
      async () => {
        fetches++;
        await clock.sleep(100);
        return { token: `tok-${fetches}`, expiresInMs: 3_600_000 };
      },
      { clock },
    );
    const tokens = await drive(clock, Promise.all(Array.from({ length: 20 }, () => provider.getToken())));
    assert.deepEqual(new Set(tokens), new Set(['tok-1']));
    assert.equal(fetches, 1);
    assert.equal(provider.refreshes(), 1);
  });

  it('caches the token and refreshes it refreshBeforeMs before expiry', async () => {
    const clock = createManualClock();
    let n = 0;
    const provider = createTokenProvider(async () => ({ token: `tok-${++n}`, expiresInMs: 3_600_000 }), { clock, refreshBeforeMs: 60_000 });
    assert.equal(await provider.getToken(), 'tok-1');
    await clock.advance(3_540_000 - 1);
    assert.equal(await provider.getToken(), 'tok-1');
    await clock.advance(1);
    assert.equal(await provider.getToken(), 'tok-2');
    assert.equal(provider.refreshes(), 2);
  });

  it('invalidate(token) forces one refresh; invalidating an already replaced token does nothing', async () => {
    const clock = createManualClock();
    let n = 0;
    const provider = createTokenProvider(async () => ({ token: `tok-${++n}`, expiresInMs: 3_600_000 }), { clock });
    assert.equal(await provider.getToken(), 'tok-1');
    provider.invalidate('tok-1');
    assert.equal(await provider.getToken(), 'tok-2');
    provider.invalidate('tok-1');
    assert.equal(await provider.getToken(), 'tok-2');
    assert.equal(provider.refreshes(), 2);
  });
});

describe('requestJson with a token', () => {
  async function upstream(clock: ReturnType<typeof createManualClock>) {
    // Accepts only the newest token; older ones get 401 "Token expired" (the ad platform, docs/upstreams.md).
    let valid = '';
    // expire() makes the upstream reject the current token, as when its TTL runs out.
    const srv = await startServer(clock, (req, res) =>
      req.headers.authorization === `Bearer ${valid}` ? reply(res, 200, { ok: true }) : reply(res, 401, { error: 'Token expired' }),
    );
    servers.push(srv);
    let n = 0;
    const provider = createTokenProvider(async () => ({ token: (valid = `tok-${++n}`), expiresInMs: 3_600_000 }), { clock });
    return { srv, provider, expire: () => (valid = 'nothing') };
  }

  it('adds Authorization: Bearer', async () => {
    const clock = createManualClock();
    const { srv, provider } = await upstream(clock);
    const policy = createPolicy('tok-bearer', settings(), { clock });
    await requestJson(policy, { url: srv.url, token: provider });
    assert.equal(srv.requests[0]!.headers.authorization, 'Bearer tok-1');
  });

  it('a 401 "Token expired" causes one refresh and one retry with the fresh token', async () => {
    const clock = createManualClock();
    const { srv, provider, expire } = await upstream(clock);
    const policy = createPolicy('tok-expired', settings(), { clock });
    await provider.getToken();
    expire();
    const stats = newCallStats();
    const res = await drive(clock, requestJson(policy, { url: srv.url, token: provider }, { stats }), { busyWhile: inFlight });
    assert.deepEqual(res.body, { ok: true });
    assert.deepEqual(srv.requests.map((r) => r.headers.authorization), ['Bearer tok-1', 'Bearer tok-2']);
    assert.equal(stats.tokenRefreshes, 1);
    assert.equal(provider.refreshes(), 2, 'the initial fetch + one refresh');
  });

  it('concurrent callers hitting "Token expired" share a single refresh', async () => {
    const clock = createManualClock();
    const { srv, provider, expire } = await upstream(clock);
    const policy = createPolicy('tok-concurrent', settings(), { clock });
    await provider.getToken();
    expire();
    const stats = newCallStats();
    const all = Array.from({ length: 5 }, () => requestJson(policy, { url: srv.url, token: provider }, { stats }));
    await drive(clock, Promise.all(all), { busyWhile: inFlight });
    assert.equal(provider.refreshes(), 2, 'the initial fetch + one refresh');
    assert.equal(stats.tokenRefreshes, 5);
  });

  it('a 401 that is not about expiry is not retried', async () => {
    const clock = createManualClock();
    const srv = await startServer(clock, (_req, res) => reply(res, 401, { error: 'invalid credentials' }));
    servers.push(srv);
    const provider = createTokenProvider(async () => ({ token: 't', expiresInMs: 3_600_000 }), { clock });
    const policy = createPolicy('tok-invalid', settings(), { clock });
    const err = await requestJson(policy, { url: srv.url, token: provider }).catch((e: unknown) => e);
    assert.ok(err instanceof UpstreamHttpError && err.status === 401);
    assert.equal(srv.requests.length, 1);
    assert.equal(provider.refreshes(), 1);
  });
});
