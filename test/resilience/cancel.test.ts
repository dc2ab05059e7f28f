import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CallCancelledError, createManualClock, createPolicy, newCallStats, requestJson } from '../../src/resilience/index.ts';
import { reply, settings, startServer } from './helpers.ts';
import { waitFor } from '../helpers/waitFor.ts';

const servers: Array<{ close(): Promise<void> }> = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

// The manual clock never moves in these tests, so a call can only end through its signal.

const cancelled = (reason: string) => (err: unknown) => err instanceof CallCancelledError && err.cause instanceof Error && err.cause.message === reason;

describe('cancelling a call through its signal', () => {
  it('ends a retry wait (Retry-After 60 s): no second request, CallCancelledError', async () => {
    const clock = createManualClock();
    const srv = await startServer(clock, (_req, res) => reply(res, 503, { error: 'busy' }, { 'retry-after': '60' }));
    servers.push(srv);
    const policy = createPolicy('cancel-retry', settings({ maxAttempts: 5 }), { clock });
    const ctrl = new AbortController();
    const stats = newCallStats();
    const call = requestJson(policy, { url: srv.url }, { stats, signal: ctrl.signal });
    await waitFor('the retry wait', () => clock.pending().some((s) => s.ms === 60_000), { timeoutMs: 5000, everyMs: 2 });
    ctrl.abort(new Error('shutting down'));
    await assert.rejects(call, cancelled('shutting down'));
    assert.equal(srv.requests.length, 1);
    assert.deepEqual(stats.retries, { http_503: 1 });
  });

  it('ends a rate-limit wait before the request is sent', async () => {
    const clock = createManualClock();
    const srv = await startServer(clock, (_req, res) => reply(res, 200, { ok: true }));
    servers.push(srv);
    const policy = createPolicy('cancel-limiter', settings({ rateLimitPerMin: 1, rateLimitBurst: 1 }), { clock });
    await requestJson(policy, { url: srv.url });
    const ctrl = new AbortController();
    const call = requestJson(policy, { url: srv.url }, { signal: ctrl.signal });
    await waitFor('the limiter wait', () => clock.pending().some((s) => s.ms > 50_000 && s.ms < 100_000), { timeoutMs: 5000, everyMs: 2 });
    ctrl.abort(new Error('shutting down'));
    await assert.rejects(call, cancelled('shutting down'));
    assert.equal(srv.requests.length, 1, 'the held call never reached the upstream');
  });

  it('aborts the request in flight, and the breaker does not count it as an upstream failure', async () => {
    const clock = createManualClock();
    let closedByClient = false;
    const srv = await startServer(clock, (_req, res) => {
      res.on('close', () => (closedByClient = true)); // never answered
    });
    servers.push(srv);
    const policy = createPolicy('cancel-inflight', settings({ breakerThreshold: 1 }), { clock });
    const ctrl = new AbortController();
    const call = requestJson(policy, { url: srv.url }, { signal: ctrl.signal });
    await waitFor('the request to arrive', () => srv.requests.length === 1, { timeoutMs: 5000, everyMs: 2 });
    ctrl.abort(new Error('shutting down'));
    await assert.rejects(call, cancelled('shutting down'));
    await waitFor('the connection to be closed by the client', () => closedByClient, { timeoutMs: 5000, everyMs: 2 });
    assert.equal(policy.breakerState(), 'closed');
  });
});
