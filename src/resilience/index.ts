/**
 * Resilience kit: every outbound call goes through a per-upstream policy (timeout, deadline,
 * retry with jittered backoff and Retry-After, token-bucket rate limiter that backs off on 429,
 * circuit breaker, bulkhead), built on cockatiel plus clock-driven glue.
 */
export { systemClock, type Clock } from './clock.ts';
export { createManualClock, type ManualClock, type PendingSleep } from './manualClock.ts';
export { newCallStats, mergeCallStats, type CallStats } from './callStats.ts';
export { UpstreamHttpError, CircuitOpenError, UpstreamTimeoutError, UpstreamNetworkError, DeadlineExceededError, CallCancelledError } from './upstreamErrors.ts';

export { createPolicy, type UpstreamPolicy } from './createPolicy.ts';
export { requestJson, type JsonRequest } from './requestJson.ts';
export { createTokenProvider, type TokenProvider, type TokenProviderFactory } from './tokenProvider.ts';
export { policySnapshots } from './policyRegistry.ts';
export { classifyFailure } from './classifyFailure.ts';
export { parseRetryAfter, bodyRetryAfterMs, retryAfterHintMs, parseRateLimitHeaders, type RateLimitHint } from './retryAfter.ts';
export { PACING_HEADROOM, RateLimiter } from './rateLimiter.ts';
export type { RateGate, RateGateFactory, RateGateSettings, Acquired, AcquireOptions } from './rateGate.ts';
