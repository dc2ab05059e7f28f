/** Retry delays for transiently failed jobs (pure). */
import type { BackoffOptions } from './types.ts';

/** Defaults: 1 s doubling up to 5 min. */
export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ baseMs: 1000, maxMs: 300_000 });

/**
 * Delay before attempt `failedAttempts + 1`: exponential with full jitter
 * (uniform in [0, min(max, base·2^(n-1))]), so a burst of failures does not come back in lockstep.
 * `random` returns [0, 1); injected for deterministic tests.
 */
export function backoffMs(failedAttempts: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(failedAttempts));
  // 2^n overflows to Infinity for huge n; min() keeps the cap exact.
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(n - 1, 52));
  return Math.max(0, Math.min(ceiling, Math.round(random() * ceiling)));
}
