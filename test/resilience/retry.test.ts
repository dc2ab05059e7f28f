import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  createManualClock,
  createPolicy,
  DeadlineExceededError,
  newCallStats,
  requestJson,
  UpstreamHttpError,
  UpstreamNetworkError,
  UpstreamTimeoutError,
} from '../../src/resilience/index.ts';
import { drive, inFlight, reply, settings, startServer } from './helpers.ts';

const servers: Array<{ close(): Promise<void> }> = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function server(clock: ReturnType<typeof createManualClock>, handle: Parameters<typeof startServer>[1]) {
  const s = await startServer(clock, handle);
  servers.push(s);
  return s;
}

describe('retry', () => {
  it('honours Retry-After in seconds: the retry waits at least the hint', async () => {
    const clock = createManualClock();
    const srv = await server(clock, (_req, res, n) => (n === 1 ? reply(res, 503, { error: 'busy' }, { 'retry-after': '5' }) : reply(res, 200, { ok: true })));
    const policy = createPolicy('retry-seconds', settings(), { clock });
    const stats = newCallStats();
    const res = await drive(clock, requestJson<{ ok: boolean }>(policy, { url: `${srv.url}/x` }, { stats }), { busyWhile: inFlight });
    assert.deepEqual(res.body, { ok: true });
    assert.equal(srv.requests.length, 2);
    assert.ok(srv.requests[1]!.at - srv.requests[0]!.at >= 5000, `waited ${srv.requests[1]!.at - srv.requests[0]!.at} ms`);
    assert.deepEqual(stats.retries, { http_503: 1 });
    assert.equal(stats.attempts, 2);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const clock = createManualClock();
    const srv = await server(clock, (_req, res, n) =>
      n === 1 ? reply(res, 503, {}, { 'retry-after': new Date(clock.now() + 7000).toUTCString() }) : reply(res, 200, { ok: true }),
    );
    const policy = createPolicy('retry-date', settings(), { clock });
    await drive(clock, requestJson(policy, { url: srv.url }), { busyWhile: inFlight });
    assert.equal(srv.requests.length, 2);
    assert.ok(srv.requests[1]!.at - srv.requests[0]!.at >= 7000, `waited ${srv.requests[1]!.at - srv.requests[0]!.at} ms`);
  });

  it('honours a body retry_after hint (seconds) on 429', async () => {
    const clock = createManualClock();
    const srv = await server(clock, (_req, res, n) => (n === 1 ? reply(res, 429, { error: 'rate limited', retry_after: 3 }) : reply(res, 200, { ok: true })));
    const policy = createPolicy('retry-body', settings(), { clock });
    const stats = newCallStats();
    await drive(clock, requestJson(policy, { url: srv.url }, { stats }), { busyWhile: inFlight });
    assert.equal(srv.requests.length, 2);
    assert.ok(srv.requests[1]!.at - srv.requests[0]!.at >= 3000, `waited ${srv.requests[1]!.at - srv.requests[0]!.at} ms`);
    assert.deepEqual(stats.retries, { http_429: 1 });
  });

  for (const status of [400, 404]) {
    it(`does not retry ${status}; the error keeps status, headers and parsed body`, async () => {
      const clock = createManualClock();
      const srv = await server(clock, (_req, res) => reply(res, status, { error: 'nope' }, { 'X-Request-Id': 'r1' }));
      const policy = createPolicy(`no-retry-${status}`, settings({ maxAttempts: 5 }), { clock });
      const stats = newCallStats();
      const err = await drive(clock, requestJson(policy, { url: srv.url }, { stats }), { busyWhile: inFlight }).catch((e: unknown) => e);
      assert.ok(err instanceof UpstreamHttpError);
      assert.equal(err.status, status);
      assert.deepEqual(err.body, { error: 'nope' });
      assert.equal(err.headers['x-request-id'], 'r1');
      assert.equal(srv.requests.length, 1);
      assert.deepEqual(stats.retries, {});
    });
  }

  it('retries 503 up to maxAttempts, then throws the last answer', async () => {
    const clock = createManualClock();
    const srv = await server(clock, (_req, res) => reply(res, 503, { error: 'down' }));
    const policy = createPolicy('retry-503-bound', settings({ maxAttempts: 4 }), { clock });
    const stats = newCallStats();
    const err = await drive(clock, requestJson(policy, { url: srv.url }, { stats }), { busyWhile: inFlight }).catch((e: unknown) => e);
    assert.ok(err instanceof UpstreamHttpError && err.status === 503);
    assert.equal(srv.requests.length, 4);
    assert.equal(stats.attempts, 4);
    assert.deepEqual(stats.retries, { http_503: 3 });
  });

  it('retries attempts that time out (per-attempt AbortSignal fires) up to the bound', async () => {
    const clock = createManualClock();
    const policy = createPolicy('retry-timeout', settings({ timeoutMs: 2000, maxAttempts: 3 }), { clock });
    const stats = newCallStats();
    let aborted = 0;
    const hang = ({ signal }: { signal: AbortSignal }) =>
      new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => (aborted++, reject(signal.reason)), { once: true }));
    const err = await drive(clock, policy.execute(hang, { stats })).catch((e: unknown) => e);
    assert.ok(err instanceof UpstreamTimeoutError);
    assert.equal(aborted, 3);
    assert.equal(stats.attempts, 3);
    assert.deepEqual(stats.retries, { timeout: 2 });
  });

  it('a timed-out attempt is followed by a successful one', async () => {
    const clock = createManualClock();
    const policy = createPolicy('retry-timeout-then-ok', settings({ timeoutMs: 2000 }), { clock });
    const stats = newCallStats();
    const value = await drive(
      clock,
      // The first attempt ignores its signal: the aggressive timeout still ends it.
      policy.execute(({ attempt }) => (attempt === 1 ? new Promise<string>(() => undefined) : Promise.resolve('ok')), { stats }),
    );
    assert.equal(value, 'ok');
    assert.deepEqual(stats.retries, { timeout: 1 });
  });

  it('retries network errors up to the bound', async () => {
    const clock = createManualClock();
    const srv = await server(clock, (req, res, n) => (n <= 2 ? res.socket?.destroy() : reply(res, 200, { n })));
    const policy = createPolicy('retry-network', settings({ maxAttempts: 3 }), { clock });
    const stats = newCallStats();
    const res = await drive(clock, requestJson<{ n: number }>(policy, { url: srv.url }, { stats }), { busyWhile: inFlight });
    assert.deepEqual(res.body, { n: 3 });
    assert.deepEqual(stats.retries, { network: 2 });

    const always = await server(clock, (_req, r) => r.socket?.destroy());
    const err = await drive(clock, requestJson(policy, { url: always.url }), { busyWhile: inFlight }).catch((e: unknown) => e);
    assert.ok(err instanceof UpstreamNetworkError);
    assert.equal(always.requests.length, 3);
  });

  it('gives up at once when the hint would pass the deadline, keeping retryAfterMs for the caller', async () => {
    const clock = createManualClock();
    const srv = await server(clock, (_req, res) => reply(res, 429, {}, { 'retry-after': '120' }));
    const policy = createPolicy('retry-deadline', settings({ deadlineMs: 60_000, timeoutMs: 10_000 }), { clock });
    const err = await drive(clock, requestJson(policy, { url: srv.url })).catch((e: unknown) => e);
    assert.ok(err instanceof UpstreamHttpError);
    assert.equal(err.retryAfterMs, 120_000);
    assert.equal(srv.requests.length, 1);
  });

  it('the rate limiter will not hold a call past its deadline', async () => {
    const clock = createManualClock();
    const policy = createPolicy('deadline-limiter', settings({ rateLimitPerMin: 1, rateLimitBurst: 1, deadlineMs: 30_000 }), { clock });
    await policy.execute(async () => 'first');
    const err = await drive(clock, policy.execute(async () => 'second')).catch((e: unknown) => e);
    assert.ok(err instanceof DeadlineExceededError);
  });

  it('retry:false makes a single attempt', async () => {
    const clock = createManualClock();
    const policy = createPolicy('retry-off', settings({ maxAttempts: 5 }), { clock });
    let calls = 0;
    const err = await drive(
      clock,
      policy.execute(async () => {
        calls++;
        throw new UpstreamHttpError('retry-off', 503, {}, undefined);
      }, { retry: false }),
    ).catch((e: unknown) => e);
    assert.ok(err instanceof UpstreamHttpError);
    assert.equal(calls, 1);
  });
});

describe('requestJson', () => {
  it('sends a JSON body and returns parsed JSON with lowercase header names', async () => {
    const clock = createManualClock();
    const srv = await server(clock, (req, res) => reply(res, 201, { echo: JSON.parse(req.body) as unknown, ct: req.headers['content-type'] }, { 'X-Thing': 'a' }));
    const policy = createPolicy('json', settings(), { clock });
    const res = await requestJson<{ echo: unknown; ct: string }>(policy, { method: 'POST', url: srv.url, body: { a: 1 }, headers: { 'X-Custom': 'y' } });
    assert.equal(res.status, 201);
    assert.deepEqual(res.body.echo, { a: 1 });
    assert.equal(res.body.ct, 'application/json');
    assert.equal(res.headers['x-thing'], 'a');
    assert.equal(srv.requests[0]!.headers['x-custom'], 'y');
    assert.equal(srv.requests[0]!.method, 'POST');
  });
});
