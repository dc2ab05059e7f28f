import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bodyRetryAfterMs, classifyFailure, parseRateLimitHeaders, parseRetryAfter, retryAfterHintMs, UpstreamHttpError, UpstreamNetworkError } from '../../src/resilience/index.ts';

const NOW = Date.UTC(2024, 0, 1, 12, 0, 0);

describe('wait hints (pure)', () => {
  it('parses Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('60', NOW), 60_000);
    assert.equal(parseRetryAfter(' 1.5 ', NOW), 1500);
    assert.equal(parseRetryAfter(new Date(NOW + 7000).toUTCString(), NOW), 7000);
    assert.equal(parseRetryAfter(new Date(NOW - 7000).toUTCString(), NOW), 0);
    assert.equal(parseRetryAfter('soon', NOW), undefined);
    assert.equal(parseRetryAfter(undefined, NOW), undefined);
  });

  it('reads body hints retry_after / retryAfter (seconds), top level or under error', () => {
    assert.equal(bodyRetryAfterMs({ retry_after: 60 }), 60_000);
    assert.equal(bodyRetryAfterMs({ retryAfter: '2' }), 2000);
    assert.equal(bodyRetryAfterMs({ error: { retry_after: 3 } }), 3000);
    assert.equal(bodyRetryAfterMs({ status: 'error', errorType: 'RATE_LIMIT' }), undefined);
    assert.equal(bodyRetryAfterMs('text'), undefined);
  });

  it('takes the larger of header and body hints', () => {
    assert.equal(retryAfterHintMs({ 'retry-after': '5' }, { retry_after: 10 }, NOW), 10_000);
    assert.equal(retryAfterHintMs({ 'retry-after': '20' }, { retry_after: 10 }, NOW), 20_000);
    assert.equal(retryAfterHintMs({}, {}, NOW), undefined);
  });

  it('parses X-RateLimit-Remaining and -Reset (epoch seconds, epoch ms or delta seconds)', () => {
    assert.deepEqual(parseRateLimitHeaders({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 30) }, NOW), { remaining: 0, resetAt: NOW + 30_000 });
    assert.deepEqual(parseRateLimitHeaders({ 'x-ratelimit-reset': String(NOW + 5) }, NOW), { resetAt: NOW + 5 });
    assert.deepEqual(parseRateLimitHeaders({ 'ratelimit-remaining': '4', 'ratelimit-reset': '12' }, NOW), { remaining: 4, resetAt: NOW + 12_000 });
    assert.equal(parseRateLimitHeaders({}, NOW), undefined);
  });

  it('reads HubSpot\'s X-HubSpot-RateLimit-Remaining with its window length as the reset', () => {
    const h = { 'x-hubspot-ratelimit-remaining': '0', 'x-hubspot-ratelimit-interval-milliseconds': '10000', 'x-hubspot-ratelimit-max': '190' };
    assert.deepEqual(parseRateLimitHeaders(h, NOW), { remaining: 0, resetAt: NOW + 10_000 });
    assert.deepEqual(parseRateLimitHeaders({ 'x-hubspot-ratelimit-remaining': '42' }, NOW), { remaining: 42 });
    assert.equal(parseRateLimitHeaders({ 'x-hubspot-ratelimit-interval-milliseconds': '10000' }, NOW), undefined);
  });
});

describe('failure classification', () => {
  it('retries network, timeouts, 408/425/429/5xx and nothing else; only server-side failures trip the breaker', () => {
    const http = (s: number) => classifyFailure(new UpstreamHttpError('x', s, {}, undefined));
    assert.deepEqual(http(503), { cause: 'http_503', retryable: true, breakerFailure: true });
    assert.deepEqual(http(408), { cause: 'http_408', retryable: true, breakerFailure: true });
    assert.deepEqual(http(429), { cause: 'http_429', retryable: true, breakerFailure: false });
    assert.deepEqual(http(425), { cause: 'http_425', retryable: true, breakerFailure: false });
    for (const s of [400, 401, 403, 404, 409, 410, 422]) assert.equal(http(s).retryable, false, String(s));
    const googleQuota = classifyFailure(new UpstreamHttpError('gcal', 403, {}, { error: { code: 403, errors: [{ domain: 'usageLimits', reason: 'rateLimitExceeded' }] } }));
    assert.deepEqual(googleQuota, { cause: 'http_429', retryable: true, breakerFailure: false }, "Google's 403 rateLimitExceeded is a rate limit");
    assert.equal(classifyFailure(new UpstreamNetworkError('x', Object.assign(new Error('x'), { code: 'ECONNRESET' }))).cause, 'network');
    assert.equal(classifyFailure(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })).cause, 'network');
    assert.equal(classifyFailure(Object.assign(new Error('sdk'), { statusCode: 502 })).cause, 'http_502');
    assert.deepEqual(classifyFailure(new Error('bug')), { cause: 'error', retryable: false, breakerFailure: false });
  });
});
