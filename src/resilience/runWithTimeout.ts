/**
 * Per-attempt timeout on the injected clock. cockatiel's `timeout(…, Aggressive)` arms a real
 * setTimeout, which a test clock cannot drive; this is the same aggressive strategy (reject at
 * the deadline even if fn ignores its signal, and abort fn's signal) timed by our Clock. The
 * caller's own signal (a sync being cancelled) ends the attempt the same way.
 */
import { abortReason, type Clock } from './clock.ts';
import { UpstreamTimeoutError } from './upstreamErrors.ts';

// Reason for cancelling the timer once the attempt settled. Made once: abort() without a reason
// builds a DOMException (stack trace included) on every call, which showed in the orders profile.
const ATTEMPT_SETTLED = new Error('attempt settled before its timeout');

/** Run fn with an AbortSignal that fires after `ms` (0 or Infinity = no timeout) or when `signal` fires. */
export async function runWithTimeout<T>(opts: { clock: Clock; ms: number; upstream: string; signal?: AbortSignal | undefined }, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctrl = new AbortController();
  const outer = opts.signal;
  const timed = opts.ms > 0 && opts.ms !== Infinity;
  if (!timed && !outer) return fn(ctrl.signal);
  const timer = new AbortController();
  const racers: Array<Promise<T>> = [fn(ctrl.signal)];
  if (timed) {
    racers.push(
      opts.clock.sleep(opts.ms, timer.signal).then(
        () => {
          const err = new UpstreamTimeoutError(opts.upstream, opts.ms);
          ctrl.abort(err);
          throw err;
        },
        // The attempt finished first and cancelled the timer: this branch never settles the race.
        () => new Promise<never>(() => undefined),
      ),
    );
  }
  let onOuterAbort: (() => void) | undefined;
  if (outer) {
    racers.push(
      new Promise<never>((_resolve, reject) => {
        onOuterAbort = () => {
          const reason = abortReason(outer);
          ctrl.abort(reason);
          reject(reason);
        };
        if (outer.aborted) onOuterAbort();
        else outer.addEventListener('abort', onOuterAbort, { once: true });
      }),
    );
  }
  try {
    return await Promise.race(racers);
  } finally {
    if (timed) timer.abort(ATTEMPT_SETTLED);
    if (outer && onOuterAbort) outer.removeEventListener('abort', onOuterAbort);
  }
}
