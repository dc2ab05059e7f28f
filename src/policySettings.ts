/**
 * Each upstream's resilience policy settings: their defaults (why each differs:
 * docs/upstreams.md#resilience-defaults) and the environment names that override them
 * (`<UPSTREAM>_<KNOB>`). Read by resolveConfig in ./config.ts.
 */
import type { UpstreamName } from './config.ts';

/** Resilience settings of one upstream; see src/resilience. */
export interface PolicySettings {
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Overall deadline across attempts and waits. */
  deadlineMs: number;
  /** Attempts including the first. */
  maxAttempts: number;
  /** Base and cap of exponential backoff (full jitter). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Consecutive failures inside `breakerWindowMs` that open the breaker. */
  breakerThreshold: number;
  breakerWindowMs: number;
  /** First open period; doubles on each failed half-open probe up to the max. */
  breakerHalfOpenAfterMs: number;
  breakerMaxHalfOpenAfterMs: number;
  /** Token bucket: sustained rate and burst. 0 = unlimited. */
  rateLimitPerMin: number;
  rateLimitBurst: number;
  /** Calls in flight at once (bulkhead). */
  concurrency: number;
}

// Each upstream's defaults follow what the upstream publishes or what its contract asks of a
// client; the reasons per upstream are in docs/upstreams.md#resilience-defaults.
export const POLICY_DEFAULTS: Record<UpstreamName, PolicySettings> = {
  stripe: policy({ rateLimitPerMin: 6000, rateLimitBurst: 25 }),
  hubspot: policy({ rateLimitPerMin: 600, rateLimitBurst: 10 }),
  gcal: policy({ rateLimitPerMin: 6000, rateLimitBurst: 25 }),
  // Burst 1: the ad platform counts a sliding minute, so a burst of 10 would earn one 429.
  adplatform: policy({ timeoutMs: 5000, deadlineMs: 180_000, maxAttempts: 6, rateLimitPerMin: 10, rateLimitBurst: 1, concurrency: 5, backoffMaxMs: 60_000 }),
  eventservice: policy({ timeoutMs: 2000, breakerThreshold: 3, breakerWindowMs: 30_000, breakerHalfOpenAfterMs: 10_000, breakerMaxHalfOpenAfterMs: 60_000, maxAttempts: 2, concurrency: 64 }),
  inventory: policy({ timeoutMs: 5000, deadlineMs: 6000, maxAttempts: 1, breakerThreshold: 5, breakerWindowMs: 60_000, breakerHalfOpenAfterMs: 30_000, breakerMaxHalfOpenAfterMs: 30_000, concurrency: 256 }),
};

function policy(over: Partial<PolicySettings>): PolicySettings {
  return {
    timeoutMs: 10_000,
    deadlineMs: 60_000,
    maxAttempts: 5,
    backoffBaseMs: 200,
    backoffMaxMs: 10_000,
    breakerThreshold: 10,
    breakerWindowMs: 60_000,
    breakerHalfOpenAfterMs: 10_000,
    breakerMaxHalfOpenAfterMs: 120_000,
    rateLimitPerMin: 0,
    rateLimitBurst: 10,
    concurrency: 16,
    ...over,
  };
}

// Env names of the policy knobs: <UPSTREAM>_<SUFFIX>, e.g. INVENTORY_BREAKER_THRESHOLD.
export const POLICY_ENV: Record<keyof PolicySettings, string> = {
  timeoutMs: 'TIMEOUT_MS',
  deadlineMs: 'DEADLINE_MS',
  maxAttempts: 'RETRY_MAX_ATTEMPTS',
  backoffBaseMs: 'RETRY_BASE_MS',
  backoffMaxMs: 'RETRY_MAX_MS',
  breakerThreshold: 'BREAKER_THRESHOLD',
  breakerWindowMs: 'BREAKER_WINDOW_MS',
  breakerHalfOpenAfterMs: 'BREAKER_HALF_OPEN_MS',
  breakerMaxHalfOpenAfterMs: 'BREAKER_MAX_HALF_OPEN_MS',
  rateLimitPerMin: 'RATE_LIMIT_PER_MIN',
  rateLimitBurst: 'RATE_LIMIT_BURST',
  concurrency: 'CONCURRENCY',
};

// The env prefix of each upstream (event service knobs are EVENTS_*, as in the spec).
export const POLICY_PREFIX: Record<UpstreamName, string> = {
  stripe: 'STRIPE',
  hubspot: 'HUBSPOT',
  gcal: 'GCAL',
  adplatform: 'ADPLATFORM',
  eventservice: 'EVENTS',
  inventory: 'INVENTORY',
};
