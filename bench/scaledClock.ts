/**
 * A clock running `factor` times faster than wall time, shared by a simulator (its SimClock)
 * and the resilience kit (its Clock): rate-limit windows, Retry-After waits, timeouts, backoff
 * and token lifetimes keep their real proportions while a 10-minute sync runs in seconds.
 * (The same construction as the connectors' tests, kept here so the bench needs nothing from test/.)
 */
import { systemClock, type Clock } from '../src/resilience/index.ts';

/** Scaled time for both sides of a scenario. */
export interface ScaledClock extends Clock {
  readonly factor: number;
  /** SimClock's jump forward. */
  advance(ms: number): void;
}

/** A clock `factor` × faster than wall time, starting now. */
export function createScaledClock(factor: number): ScaledClock {
  const t0 = Date.now();
  let offset = 0;
  return {
    factor,
    now: () => t0 + (Date.now() - t0) * factor + offset,
    sleep: (ms, signal) => systemClock.sleep(ms / factor, signal),
    advance(ms) {
      if (ms > 0) offset += ms;
    },
  };
}
