/**
 * Per-attempt timeout on the injected clock. cockatiel's `timeout(…, Aggressive)` arms a real
 * setTimeout, which a test clock cannot drive; this is the same aggressive strategy (reject at
 * the deadline even if fn ignores its signal, and abort fn's signal) timed by our Clock.
 */
import type { Clock } from './clock.ts';
import { UpstreamTimeoutError } from './upstreamErrors.ts';

// Reason for cancelling the timer once the attempt settled. Made once: abort() without a reason
// builds a DOMException (stack trace included) on every call, which showed in the orders profile.
const ATTEMPT_SETTLED = new Error('attempt settled before its timeout');

/** Run fn with an AbortSignal that fires after `ms` (0 or Infinity = no timeout). */
export async function runWithTimeout<T>(opts: { clock: Clock; ms: number; upstream: string }, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctrl = new AbortController();
  if (!(opts.ms > 0) || opts.ms === Infinity) return fn(ctrl.signal);
  const timer = new AbortController();
  const timedOut = opts.clock.sleep(opts.ms, timer.signal).then(
    () => {
      const err = new UpstreamTimeoutError(opts.upstream, opts.ms);
      ctrl.abort(err);
      throw err;
    },
    // The attempt finished first and cancelled the timer: this branch never settles the race.
    () => new Promise<never>(() => undefined),
  );
  try {
    return await Promise.race([fn(ctrl.signal), timedOut]);
  } finally {
    timer.abort(ATTEMPT_SETTLED);
  }
}
