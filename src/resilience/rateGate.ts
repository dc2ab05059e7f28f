/**
 * What a policy needs from its rate limiter, as an interface: the in-process RateLimiter is one
 * implementation, a gate shared by every process through PostgreSQL (src/coordination) another.
 * The push-back methods are synchronous because the policy calls them from response handlers
 * (requestJson's observeResponse); a shared gate applies them locally at once and persists them
 * in the background, ahead of its own next acquire.
 */
import type { Clock } from './clock.ts';
import type { RateLimitHint } from './retryAfter.ts';

/** Outcome of one acquire: how long the caller was held (clock ms). */
export interface Acquired {
  waitedMs: number;
}

/** Options of one acquire. */
export interface AcquireOptions {
  /** Ends the wait; acquire then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Clock time past which the caller would rather fail than wait (DeadlineExceededError). */
  deadlineAt?: number;
  /** The deadline's length, for the error message. */
  deadlineMs?: number;
}

/** A rate limit one upstream account's calls pass through, slowed down by the upstream's push-back. */
export interface RateGate {
  /** Wait for a token. Throws DeadlineExceededError rather than wait past `deadlineAt`. */
  acquire(opts?: AcquireOptions): Promise<Acquired>;
  /** The upstream answered 429: pause until `retryAfterMs` (or a backoff); returns the pause in ms. */
  throttled(retryAfterMs: number | undefined): number;
  /** The upstream answered without throttling. */
  accepted(): void;
  /** Apply `X-RateLimit-*` headers; returns the pause they impose in ms (0 for none). */
  observe(hint: RateLimitHint): number;
  /** ms until the gate is unpaused (0 when not paused). */
  pausedForMs(): number;
}

/** Settings of the gate a policy would build for itself (what a factory gets to build another one). */
export interface RateGateSettings {
  name: string;
  clock: Clock;
  /** Sustained rate; 0 = no steady limit (pauses from 429s still apply). */
  perMinute: number;
  /** Bucket size: calls let through at once. */
  burst: number;
  /** Pause after a 429 without a hint: base × 2^(n-1) for the n-th 429 in a row, capped. */
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/** Builds a policy's gate from the policy's own rate settings. */
export type RateGateFactory = (settings: RateGateSettings) => RateGate;
