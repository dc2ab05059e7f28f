/**
 * "N consecutive failures within a window" as a cockatiel IBreaker. cockatiel ships
 * ConsecutiveBreaker (no window) and SamplingBreaker (a failure *rate*, timed with Date.now);
 * neither says "3 failures within 30 s", so this small one does, timed by our clock.
 */
import type { IBreaker } from 'cockatiel';
import type { Clock } from './clock.ts';

/** Opens after `threshold` consecutive failures whose span fits inside `windowMs`. */
export class WindowedConsecutiveBreaker implements IBreaker {
  /** Times of the current run of consecutive failures (oldest first). */
  state: number[] = [];
  private readonly threshold: number;
  private readonly windowMs: number;
  private readonly clock: Clock;

  constructor(opts: { threshold: number; windowMs: number; clock: Clock }) {
    this.threshold = Math.max(1, opts.threshold);
    this.windowMs = opts.windowMs;
    this.clock = opts.clock;
  }

  /** A success ends the run of consecutive failures. */
  success(): void {
    this.state = [];
  }

  /** Record a failure; true when the breaker should open. */
  failure(): boolean {
    const now = this.clock.now();
    // windowMs 0 means "no window": plain consecutive counting.
    const recent = this.windowMs > 0 ? this.state.filter((t) => now - t < this.windowMs) : this.state;
    recent.push(now);
    this.state = recent;
    return recent.length >= this.threshold;
  }
}
