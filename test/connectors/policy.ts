/** Fast resilience settings for connector tests (short timeouts and backoffs, no rate limit). */
import type { PolicySettings } from '../../src/config.ts';

/** Quick-failing, quick-retrying settings; override what a test needs. */
export function fastSettings(over: Partial<PolicySettings> = {}): PolicySettings {
  return {
    timeoutMs: 2000,
    deadlineMs: 30_000,
    maxAttempts: 8,
    backoffBaseMs: 5,
    backoffMaxMs: 50,
    breakerThreshold: 1000,
    breakerWindowMs: 60_000,
    breakerHalfOpenAfterMs: 100,
    breakerMaxHalfOpenAfterMs: 1000,
    rateLimitPerMin: 0,
    rateLimitBurst: 10,
    concurrency: 16,
    ...over,
  };
}
