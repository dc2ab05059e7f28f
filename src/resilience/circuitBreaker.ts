/**
 * The breaker state machine: closed → open (after the IBreaker says so) → half-open once the
 * open period has passed → closed on a successful probe, or open again for a longer period.
 *
 * Why not cockatiel's CircuitBreakerPolicy: it times the open period with Date.now() and keeps
 * `openedAt` private, so it can neither be driven by an injected clock (tests) nor report how
 * long until the next probe (`retryAfterMs` for 503 answers, /readyz). We keep cockatiel's
 * pieces that have no clock in them: the IBreaker contract and its ExponentialBackoff
 * (no jitter, ×2, capped) for the open periods — 10 s, 20 s, 40 s, 60 s, 60 s with the
 * event-service defaults — and replicate its semantics (one probe at a time, others wait for it;
 * a non-breaker failure of the probe counts as the upstream answering).
 */
import { CircuitState as CockatielState, ExponentialBackoff, noJitterGenerator, type IBackoff, type IBreaker } from 'cockatiel';
import type { Clock } from './clock.ts';
import { CircuitOpenError } from './upstreamErrors.ts';

/** Breaker state as reported to callers and dashboards. */
export type CircuitState = 'closed' | 'open' | 'half_open';

/** Options of one breaker. */
export interface BreakerOptions {
  name: string;
  clock: Clock;
  breaker: IBreaker;
  halfOpenAfterMs: number;
  maxHalfOpenAfterMs: number;
  /** Called on every state change (logs, metrics). */
  onTransition?: (to: CircuitState, info: { openForMs?: number; cause?: string }) => void;
}

/** What an error says about the upstream's health. */
export type Verdict = { kind: 'failure' | 'success' | 'neutral'; cause: string };
type Judge = (err: unknown) => Verdict;

type Inner =
  | { value: 'closed' }
  | { value: 'open'; openedAt: number; backoff: IBackoff<unknown> }
  | { value: 'half_open'; backoff: IBackoff<unknown>; probe: Promise<unknown> | undefined };

/** A circuit breaker timed by an injected clock. */
export class CircuitBreaker {
  private inner: Inner = { value: 'closed' };
  private readonly opts: BreakerOptions;
  private readonly backoffFactory: ExponentialBackoff<number>;

  constructor(opts: BreakerOptions) {
    this.opts = opts;
    this.backoffFactory = new ExponentialBackoff<number>({
      generator: noJitterGenerator,
      initialDelay: opts.halfOpenAfterMs,
      maxDelay: Math.max(opts.halfOpenAfterMs, opts.maxHalfOpenAfterMs),
      exponent: 2,
    });
  }

  /** Current state; an open breaker whose period has passed reports half_open. */
  state(): CircuitState {
    this.settle();
    return this.inner.value;
  }

  /** ms until a probe is allowed (0 unless open). */
  retryAfterMs(): number {
    this.settle();
    const s = this.inner;
    return s.value === 'open' ? Math.max(0, s.openedAt + s.backoff.duration - this.opts.clock.now()) : 0;
  }

  /** Throw CircuitOpenError now if a call would be refused (cheap pre-check before waiting on a rate limiter). */
  assertCallable(): void {
    const retryAfter = this.retryAfterMs();
    if (retryAfter > 0) throw new CircuitOpenError(this.opts.name, retryAfter);
  }

  /**
   * Run `fn` unless the breaker is open. `judge` says what an error means: the upstream is
   * unhealthy (`failure`), it answered (`success`, e.g. a 404), or nothing about it (`neutral`,
   * e.g. our own deadline ran out before the request was sent).
   */
  async run<T>(fn: () => Promise<T>, judge: Judge): Promise<T> {
    this.settle();
    const s = this.inner;
    if (s.value === 'open') throw new CircuitOpenError(this.opts.name, this.retryAfterMs());
    if (s.value === 'half_open') {
      if (s.probe) {
        // One probe at a time: wait for its verdict, then decide again.
        await s.probe.catch(() => undefined);
        return this.run(fn, judge);
      }
      return this.probe(s.backoff, fn, judge);
    }
    try {
      const value = await fn();
      this.opts.breaker.success(CockatielState.Closed);
      return value;
    } catch (err) {
      const verdict = judge(err);
      if (verdict.kind === 'success') this.opts.breaker.success(CockatielState.Closed);
      // Calls that were already in flight when the breaker opened must not re-open it.
      else if (verdict.kind === 'failure' && this.opts.breaker.failure(CockatielState.Closed) && this.inner.value === 'closed') {
        this.open(this.backoffFactory.next(), verdict.cause);
      }
      throw err;
    }
  }

  private async probe<T>(backoff: IBackoff<unknown>, fn: () => Promise<T>, judge: Judge): Promise<T> {
    let release!: () => void;
    // Claim the probe slot before fn starts so concurrent callers queue behind it.
    this.inner = { value: 'half_open', backoff, probe: new Promise<void>((r) => (release = r)) };
    try {
      const value = await fn();
      this.close();
      return value;
    } catch (err) {
      const verdict = judge(err);
      if (verdict.kind === 'failure') this.open(backoff.next(undefined), verdict.cause);
      else if (verdict.kind === 'success') this.close();
      // A neutral outcome proved nothing: stay half-open and let the next call probe.
      else this.inner = { value: 'half_open', backoff, probe: undefined };
      throw err;
    } finally {
      release();
    }
  }

  // Open → half-open happens by the passage of time; apply it lazily whenever anyone looks.
  private settle(): void {
    const s = this.inner;
    if (s.value === 'open' && this.opts.clock.now() - s.openedAt >= s.backoff.duration) {
      this.inner = { value: 'half_open', backoff: s.backoff, probe: undefined };
      this.opts.onTransition?.('half_open', {});
    }
  }

  private open(backoff: IBackoff<unknown>, cause: string): void {
    this.inner = { value: 'open', openedAt: this.opts.clock.now(), backoff };
    this.opts.onTransition?.('open', { openForMs: backoff.duration, cause });
  }

  private close(): void {
    this.opts.breaker.success(CockatielState.HalfOpen);
    this.inner = { value: 'closed' };
    this.opts.onTransition?.('closed', {});
  }
}
