import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createManualClock, createPolicy, mergeCallStats, newCallStats, PACING_HEADROOM, requestJson, type CallStats } from '../../src/resilience/index.ts';
import { drive, inFlight, reply, settings, startServer } from './helpers.ts';

const servers: Array<{ close(): Promise<void> }> = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('rate limiter', () => {
  it('a bucket of N/min lets exactly burst calls through at once, then spaces the rest at 60/N s plus the pacing headroom', async () => {
    const clock = createManualClock();
    const start = clock.now();
    const policy = createPolicy('rl-bucket', settings({ rateLimitPerMin: 60, rateLimitBurst: 5 }), { clock });
    const startedAt: number[] = [];
    const perCall: CallStats[] = [];
    const calls = Array.from({ length: 8 }, () => {
      const stats = newCallStats();
      perCall.push(stats);
      return policy.execute(async () => startedAt.push(clock.now() - start), { stats });
    });
    await drive(clock, Promise.all(calls));
    const gap = Math.ceil(1000 / PACING_HEADROOM); // 60/min paced 3 % under: 1031 ms apart
    assert.ok(gap > 1000 && gap <= 1035);
    assert.deepEqual(startedAt, [0, 0, 0, 0, 0, gap, 2 * gap, 3 * gap]);
    const total = perCall.reduce((acc, s) => mergeCallStats(acc, s), newCallStats());
    assert.equal(total.rateLimitWaits, 3);
    assert.equal(total.rateLimitWaitMs, gap + 2 * gap + 3 * gap);
  });

  it('after one 429 with Retry-After it holds every call until then: a sync at the limit gets no second 429', async () => {
    const clock = createManualClock();
    const start = clock.now();
    // The upstream: 3 requests per fixed minute window, 429 + Retry-After (to the window end) beyond that.
    const perWindow = new Map<number, number>();
    let throttled = 0;
    const srv = await startServer(clock, (req, res) => {
      const window = Math.floor((req.at - start) / 60_000);
      const used = (perWindow.get(window) ?? 0) + 1;
      perWindow.set(window, used);
      if (used > 3) {
        throttled++;
        const retryAfterS = Math.ceil(((window + 1) * 60_000 - (req.at - start)) / 1000);
        reply(res, 429, { error: 'Too many requests' }, { 'retry-after': String(retryAfterS) });
      } else reply(res, 200, { ok: true });
    });
    servers.push(srv);
    // Configured at the upstream's limit; the bucket starts full, so the 4th call finds the window used up.
    const policy = createPolicy('rl-429', settings({ rateLimitPerMin: 3, rateLimitBurst: 3, maxAttempts: 5, concurrency: 2 }), { clock });
    const stats = newCallStats();
    const sync = async () => {
      for (let page = 0; page < 10; page++) await requestJson(policy, { url: `${srv.url}/page/${page}` }, { stats });
    };
    await drive(clock, sync(), { busyWhile: inFlight });

    assert.equal(throttled, 1, 'exactly one 429');
    assert.equal(srv.requests.length, 11, '10 pages + the one retried');
    const first429 = srv.requests[3]!;
    assert.equal(first429.at - start, Math.ceil(20_000 / PACING_HEADROOM));
    const later = srv.requests.slice(4);
    assert.ok(later.every((r) => r.at - start >= 60_000), `held until Retry-After: ${later.map((r) => r.at - start).join(',')}`);
    assert.deepEqual(stats.retries, { http_429: 1 });
    assert.ok(stats.rateLimitWaits >= 6);
  });

  it('paced under the limit, one request delayed on its way does not earn a 429 from a sliding window', async () => {
    const clock = createManualClock();
    const start = clock.now();
    // The ad platform's rule: at most 10 requests in any 60 s, counted by arrival. The first
    // request reaches it 500 ms after it was sent (a slow connect); the rest arrive at once.
    const arrivals: number[] = [];
    const srv = await startServer(clock, (req, res, n) => {
      const at = req.at - start + (n === 1 ? 500 : 0);
      const inWindow = arrivals.filter((t) => t > at - 60_000).length;
      arrivals.push(at);
      if (inWindow >= 10) reply(res, 429, { error: 'rate_limited' }, { 'retry-after': '6' });
      else reply(res, 200, { ok: true });
    });
    servers.push(srv);
    const policy = createPolicy('rl-sliding', settings({ rateLimitPerMin: 10, rateLimitBurst: 1 }), { clock });
    const stats = newCallStats();
    const sync = async () => {
      for (let page = 0; page < 12; page++) await requestJson(policy, { url: `${srv.url}/page/${page}` }, { stats });
    };
    await drive(clock, sync(), { busyWhile: inFlight });
    // Paced at exactly 10/min the 11th request (sent at 60.0 s) would share a window with the
    // first (arrived at 0.5 s) and be refused.
    assert.deepEqual(stats.retries, {}, `no 429: arrivals ${arrivals.join(',')}`);
    assert.equal(arrivals.length, 12);
  });

  it('429 without Retry-After (Stripe) pauses the bucket for a backoff', async () => {
    const clock = createManualClock();
    const srv = await startServer(clock, (_req, res, n) => (n === 1 ? reply(res, 429, { error: { type: 'rate_limit' } }) : reply(res, 200, {})));
    servers.push(srv);
    const policy = createPolicy('rl-stripe', settings({ rateLimitPerMin: 6000, rateLimitBurst: 25, backoffBaseMs: 500, backoffMaxMs: 8000 }), { clock });
    const stats = newCallStats();
    await drive(clock, requestJson(policy, { url: srv.url }, { stats }), { busyWhile: inFlight });
    assert.equal(srv.requests.length, 2);
    assert.ok(srv.requests[1]!.at - srv.requests[0]!.at >= 500, 'the bucket was paused for the first backoff step');
  });

  it('X-RateLimit-Remaining: 0 pauses the bucket until X-RateLimit-Reset, before any 429', async () => {
    const clock = createManualClock();
    const start = clock.now();
    const srv = await startServer(clock, (_req, res, n) =>
      reply(res, 200, { n }, n === 1 ? { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor((start + 30_000) / 1000)) } : {}),
    );
    servers.push(srv);
    const policy = createPolicy('rl-headers', settings({ rateLimitPerMin: 600, rateLimitBurst: 10 }), { clock });
    const stats = newCallStats();
    await drive(clock, requestJson(policy, { url: srv.url }), { busyWhile: inFlight });
    await drive(clock, requestJson(policy, { url: srv.url }, { stats }), { busyWhile: inFlight });
    assert.equal(srv.requests[1]!.at - start, 30_000);
    assert.equal(stats.rateLimitWaits, 1);
    assert.equal(stats.rateLimitWaitMs, 30_000);
  });
});
