/**
 * Simulated time. Simulators read "now" from a SimClock so tests can make time pass
 * (`advance`) and so new upstream activity appears deterministically in fixed steps.
 */

/** Injectable simulator clock (ms since epoch). */
export interface SimClock {
  /** Current simulated time in ms. */
  now(): number;
  /** Move simulated time forward by `ms` (never backwards). */
  advance(ms: number): void;
}

/** Wall time plus an offset that `advance` grows; `base` lets tests inject a time source. */
export function createSimClock(base: () => number = Date.now): SimClock {
  let offset = 0;
  return {
    now: () => base() + offset,
    advance(ms) {
      if (ms > 0) offset += ms;
    },
  };
}

/** A clock frozen at `start` that moves only when advanced (deterministic tests). */
export function createManualClock(start: number): SimClock {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      if (ms > 0) t += ms;
    },
  };
}

/**
 * Runs `step(stepStartMs)` once per `stepMs` of simulated time elapsed since `from`, so the
 * activity generated depends only on simulated time, not on how often `catchUp` is called.
 * Returns the number of steps run.
 */
export interface ActivityTicker {
  /** Run every step up to `now`. */
  catchUp(now: number): number;
  /** Start of the next step to run. */
  cursor(): number;
}

/** An ActivityTicker beginning at `from`. Steps past `maxSteps` per call are skipped, not run. */
export function createActivityTicker(from: number, stepMs: number, step: (at: number) => void, maxSteps = 2_000_000): ActivityTicker {
  let next = from + stepMs;
  return {
    catchUp(now) {
      let n = 0;
      while (next <= now && n < maxSteps) {
        step(next);
        next += stepMs;
        n++;
      }
      if (next <= now) next = now - ((now - next) % stepMs) + stepMs;
      return n;
    },
    cursor: () => next,
  };
}
