/**
 * A clock that runs `factor` times faster than wall time, shared by a simulator (SimClock) and
 * the resilience policy (Clock): rate-limit windows, Retry-After waits, token lifetimes and
 * timeouts all keep their real proportions while a test runs in seconds.
 */
import { systemClock, type Clock } from '../../src/resilience/index.ts';
import type { SimClock } from '../../src/sandbox/common/index.ts';

/** Scaled time for both sides of a test. */
export function createScaledClock(factor: number): Clock & SimClock {
  const t0 = Date.now();
  let offset = 0;
  return {
    now: () => t0 + (Date.now() - t0) * factor + offset,
    sleep: (ms, signal) => systemClock.sleep(ms / factor, signal),
    advance(ms) {
      if (ms > 0) offset += ms;
    },
  };
}
