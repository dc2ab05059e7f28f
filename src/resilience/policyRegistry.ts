/**
 * Every policy created in this process, by upstream name, plus the Prometheus metrics they feed.
 * A later policy with the same name replaces the earlier one (an app built twice in tests).
 */
import { counter, gauge } from '../metrics.ts';
import type { CircuitState } from './circuitBreaker.ts';

/** What /readyz, /metrics and the dashboard see of one policy. */
export interface PolicySnapshot {
  name: string;
  state: CircuitState;
  retryAfterMs: number;
  /** State changes since the process started, by the state entered. */
  transitions: Record<string, number>;
}

interface Observable {
  readonly name: string;
  breakerState(): CircuitState;
  breakerRetryAfterMs(): number;
}

const policies = new Map<string, Observable>();
// Per upstream name, like the Prometheus counter: a policy rebuilt under the same name adds on.
const transitionCounts = new Map<string, Record<string, number>>();

/** Gauge values of `buffalo_upstream_breaker_state`. */
export const BREAKER_STATE_VALUE: Record<CircuitState, number> = { closed: 0, open: 1, half_open: 2 };

/** The kit's metrics (created once per process). */
export const policyMetrics = {
  attempts: counter('buffalo_upstream_attempts_total', 'Upstream call attempts by outcome (success or failure cause).', ['upstream', 'outcome']),
  retries: counter('buffalo_upstream_retries_total', 'Upstream retries by cause.', ['upstream', 'cause']),
  transitions: counter('buffalo_upstream_breaker_transitions_total', 'Circuit breaker state changes.', ['upstream', 'to']),
  rateLimitWaits: counter('buffalo_upstream_rate_limit_waits_total', 'Calls held by the upstream rate limiter.', ['upstream']),
  rateLimitWaitSeconds: counter('buffalo_upstream_rate_limit_wait_seconds_total', 'Time calls spent held by the upstream rate limiter.', ['upstream']),
  breakerState: gauge('buffalo_upstream_breaker_state', 'Circuit breaker state: 0 closed, 1 open, 2 half-open.', ['upstream'], function collect() {
    for (const s of policySnapshots()) this.set({ upstream: s.name }, BREAKER_STATE_VALUE[s.state]);
  }),
};

/** Count a breaker state change (the snapshot's `transitions` and the Prometheus counter). */
export function recordTransition(upstream: string, to: CircuitState): void {
  policyMetrics.transitions.inc({ upstream, to });
  const counts = transitionCounts.get(upstream) ?? {};
  counts[to] = (counts[to] ?? 0) + 1;
  transitionCounts.set(upstream, counts);
}

/** Add (or replace) a policy in the process registry. */
export function registerPolicy(policy: Observable): void {
  policies.set(policy.name, policy);
}

/** Snapshot of every policy created in this process (for /readyz, /metrics, dashboard). */
export function policySnapshots(): PolicySnapshot[] {
  return [...policies.values()].map((p) => ({ name: p.name, state: p.breakerState(), retryAfterMs: p.breakerRetryAfterMs(), transitions: { ...transitionCounts.get(p.name) } }));
}
