import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createAdplatformConnector } from '../../src/connectors/adplatform/createAdplatformConnector.ts';
import { createGcalConnector } from '../../src/connectors/gcal/createGcalConnector.ts';
import { createHubspotConnector } from '../../src/connectors/hubspot/createHubspotConnector.ts';
import { createManualClock, createPolicy, createTokenProvider, RateLimiter, requestJson, UpstreamHttpError, type RateGate, type RateGateSettings, type TokenProvider } from '../../src/resilience/index.ts';
import { startAdPlatformSimulator } from '../../src/sandbox/adplatform/index.ts';
import { startGcalSimulator } from '../../src/sandbox/gcal/index.ts';
import { startHubspotSimulator } from '../../src/sandbox/hubspot/index.ts';
import { collect } from '../connectors/collect.ts';
import { fastSettings } from '../connectors/policy.ts';
import { drive, reply, settings, startServer } from './helpers.ts';

const closers: Array<() => Promise<void>> = [];
after(async () => {
  await Promise.all(closers.map((close) => close()));
});

// A real limiter that writes 'wait' to `log` each time it lets an attempt through.
function recordingGate(log: string[]): (s: RateGateSettings) => RateGate {
  return (s) => {
    const inner = new RateLimiter(s);
    return {
      acquire: async (opts) => {
        const got = await inner.acquire(opts);
        log.push('wait');
        return got;
      },
      throttled: (ms) => inner.throttled(ms),
      accepted: () => inner.accepted(),
      observe: (hint) => inner.observe(hint),
      pausedForMs: () => inner.pausedForMs(),
    };
  };
}

// A token provider that writes 'credential' to `log` whenever a token is taken.
function recordingTokens(log: string[], token = 'tok-fixed'): TokenProvider {
  return { getToken: async () => (log.push('credential'), token), invalidate: () => undefined, refreshes: () => 0 };
}

// Every credential taken right after a rate-limit wait: the log is wait, credential, wait, credential…
function assertWaitThenCredential(log: string[]): void {
  assert.ok(log.includes('credential'), `no credential taken: ${log.join(',')}`);
  log.forEach((e, i) => {
    if (e === 'credential') assert.equal(log[i - 1], 'wait', `credential #${i} not right after a wait: ${log.join(',')}`);
  });
}

describe('credentials are taken after every wait, when the attempt is sent', () => {
  it('policy: rate-limit wait, then the credential, then the send — again on each retry', async () => {
    const clock = createManualClock();
    const log: string[] = [];
    const policy = createPolicy('cred-order', settings({ rateLimitPerMin: 60, rateLimitBurst: 1 }), { clock, rateGate: recordingGate(log) });
    let sends = 0;
    const result = await drive(
      clock,
      policy.execute(
        async ({ credential }) => {
          log.push(`send:${credential}`);
          if (++sends === 1) throw new UpstreamHttpError('cred-order', 503, {}, undefined, undefined);
          return 'ok';
        },
        { credential: async () => (log.push('credential'), `c${sends}`) },
      ),
    );
    assert.equal(result, 'ok');
    assert.deepEqual(log, ['wait', 'credential', 'send:c0', 'wait', 'credential', 'send:c1']);
  });

  it('a token exchange through the same policy waits on neither the bulkhead slot nor the rate token its caller holds (concurrency 1, burst 1)', async () => {
    const clock = createManualClock();
    const srv = await startServer(clock, (req, res) => reply(res, 200, req.url === '/token' ? { t: 'tok-1' } : { ok: req.headers.authorization }));
    closers.push(() => srv.close());
    const log: string[] = [];
    const policy = createPolicy('cred-bulkhead', settings({ concurrency: 1, rateLimitPerMin: 1, rateLimitBurst: 1 }), { clock, rateGate: recordingGate(log) });
    const tokens = createTokenProvider(async () => {
      const res = await requestJson<{ t: string }>(policy, { method: 'POST', url: `${srv.url}/token` });
      return { token: res.body.t, expiresInMs: 3_600_000 };
    }, { clock });
    const res = await requestJson<{ ok: string }>(policy, { url: `${srv.url}/data`, token: tokens });
    assert.equal(res.body.ok, 'Bearer tok-1');
    assert.deepEqual(log, ['wait'], 'one rate token, the call\'s own; none for the exchange');
  });

  it('a failed credential fetch ends the call without a retry of the outer call and nothing is sent', async () => {
    const clock = createManualClock();
    const policy = createPolicy('cred-fails', settings({ maxAttempts: 3 }), { clock });
    let fetches = 0;
    let sends = 0;
    await assert.rejects(
      drive(clock, policy.execute(async () => ++sends, { credential: async () => { fetches++; throw new UpstreamHttpError('cred-fails', 503, {}, undefined, undefined); } })),
      (err: unknown) => err instanceof UpstreamHttpError && err.status === 503,
    );
    assert.deepEqual({ fetches, sends }, { fetches: 1, sends: 0 });
  });

  it('ad platform: each request\'s token is taken after its rate-limit wait', async () => {
    const credentials = { email: 'ops@example.test', password: 'pw-order' };
    const sim = await startAdPlatformSimulator({ port: 0, credentials, faults: { records: 3, errorRate: 0, timeoutRate: 0, rateLimitPerMin: 0, tokenTtlS: 3600 }, knobs: { syncMs: 1, unavailableEvery: 0 } });
    closers.push(() => sim.close());
    const log: string[] = [];
    const policy = createPolicy('cred-adplatform', fastSettings({ rateLimitPerMin: 6000, rateLimitBurst: 1 }), { rateGate: recordingGate(log) });
    const connector = createAdplatformConnector({
      apiUrl: sim.url, ...credentials, policy, pageSize: 10,
      tokenProviderFactory: (fetch, o) => {
        const inner = createTokenProvider(fetch, o);
        return { ...inner, getToken: () => (log.push('credential'), inner.getToken()) };
      },
    });
    await collect(connector.streams[0]!, null, 'full');
    assertWaitThenCredential(log);
  });

  it('HubSpot (OAuth tokens): each request\'s token is taken after its rate-limit wait', async () => {
    const sim = await startHubspotSimulator({ port: 0, faults: { records: 30, seed: 2, poisonRate: 0 } });
    closers.push(() => sim.close());
    const log: string[] = [];
    const policy = createPolicy('cred-hubspot', fastSettings({ rateLimitPerMin: 6000, rateLimitBurst: 1 }), { rateGate: recordingGate(log) });
    const connector = createHubspotConnector({ accessToken: 'pat-test', tokenProvider: recordingTokens(log, 'pat-test'), apiBase: sim.url, policy, listLimit: 10, overlapMs: 60_000 });
    await collect(connector.streams[0]!, null, 'full', { maxPages: 2 });
    assertWaitThenCredential(log);
  });

  it('Google Calendar (OAuth tokens): each request\'s token is taken after its rate-limit wait', async () => {
    const sim = await startGcalSimulator({ port: 0, faults: { records: 30, seed: 2, poisonRate: 0 } });
    closers.push(() => sim.close());
    const log: string[] = [];
    const policy = createPolicy('cred-gcal', fastSettings({ rateLimitPerMin: 6000, rateLimitBurst: 1 }), { rateGate: recordingGate(log) });
    const connector = createGcalConnector({ calendarId: 'primary', apiBase: sim.url, policy, oauth: recordingTokens(log), pageSize: 10 });
    await collect(connector.streams[0]!, null, 'full', { maxPages: 2 });
    assertWaitThenCredential(log);
  });
});
