/**
 * One upstream's policy pipeline. Each call gets a deadline and up to `maxAttempts` attempts
 * (cockatiel `retry` + `handleWhen`, waits timed by our clock); each attempt passes
 *   breaker pre-check → rate limiter → bulkhead (cockatiel) → breaker → per-attempt timeout → fn
 * so every request the upstream sees costs a token and counts toward the breaker.
 * Retry waits are full-jitter exponential (cockatiel ExponentialBackoff + fullJitterGenerator)
 * and never shorter than the upstream's own hint (Retry-After / `retry_after`).
 */
import { bulkhead, ExponentialBackoff, fullJitterGenerator, handleWhen, retry, type BulkheadPolicy, type IBackoff } from 'cockatiel';
import type { PolicySettings } from '../config.ts';
import { silentLogger, type Logger } from '../log.ts';
import { newCallStats, type CallStats } from './callStats.ts';
import { CircuitBreaker, type CircuitState, type Verdict } from './circuitBreaker.ts';
import { classifyFailure, httpStatus } from './classifyFailure.ts';
import { systemClock, type Clock } from './clock.ts';
import { policyMetrics as metrics, recordTransition, registerPolicy } from './policyRegistry.ts';
import type { RateGate, RateGateFactory } from './rateGate.ts';
import { RateLimiter } from './rateLimiter.ts';
import { parseRateLimitHeaders } from './retryAfter.ts';
import { runWithTimeout } from './runWithTimeout.ts';
import { CallCancelledError, DeadlineExceededError, UpstreamHttpError } from './upstreamErrors.ts';
import { WindowedConsecutiveBreaker } from './windowedBreaker.ts';

/** What an attempt's fn receives: the attempt's AbortSignal and its 1-based number. */
export interface AttemptContext {
  signal: AbortSignal;
  attempt: number;
}

/** Per-call options. */
export interface ExecuteOptions {
  /** Filled in with attempts, retries by cause, rate-limit waits. */
  stats?: CallStats;
  /** false: a single attempt (still rate limited, breaker-guarded and timed out). */
  retry?: boolean;
  /**
   * The caller's cancellation (a sync stopping at shutdown): ends a rate-limit wait, a retry
   * wait or the attempt in flight, and the call throws CallCancelledError (never retried).
   */
  signal?: AbortSignal | undefined;
}

/** The resilience pipeline of one upstream. */
export interface UpstreamPolicy {
  readonly name: string;
  /** The clock the policy runs on (requestJson reads HTTP-date Retry-After against it). */
  readonly clock?: Clock;
  /**
   * Run fn with retries of transient failures under an overall deadline; each attempt goes
   * through the rate limiter, the bulkhead, the breaker and a per-attempt timeout.
   */
  execute<T>(fn: (ctx: AttemptContext) => Promise<T>, opts?: ExecuteOptions): Promise<T>;
  breakerState(): CircuitState;
  /** ms until a half-open probe is allowed (0 unless open). */
  breakerRetryAfterMs(): number;
  /** Feed a successful response's headers (X-RateLimit-*) to the rate limiter; requestJson calls it. */
  observeResponse?(status: number, headers: Record<string, string>): void;
}

/** What createPolicy is built with besides its settings. */
export interface PolicyDeps {
  clock?: Clock;
  logger?: Logger;
  /**
   * The rate gate to pass attempts through instead of a limiter private to this policy: a gate
   * (shared as is), or a factory given the policy's rate settings (e.g. a gate in PostgreSQL
   * that every process syncing the same account shares; see src/coordination).
   */
  rateGate?: RateGate | RateGateFactory;
}

/** Build the policy of one upstream from its settings; it is registered for policySnapshots(). */
export function createPolicy(name: string, settings: PolicySettings, deps: PolicyDeps = {}): UpstreamPolicy {
  const clock = deps.clock ?? systemClock;
  const log = (deps.logger ?? silentLogger).child({ upstream: name });
  const breaker = new CircuitBreaker({
    name,
    clock,
    breaker: new WindowedConsecutiveBreaker({ threshold: settings.breakerThreshold, windowMs: settings.breakerWindowMs, clock }),
    halfOpenAfterMs: settings.breakerHalfOpenAfterMs,
    maxHalfOpenAfterMs: settings.breakerMaxHalfOpenAfterMs,
    onTransition(to, info) {
      recordTransition(name, to);
      log[to === 'closed' ? 'info' : 'warn']({ event: 'breaker_transition', to, ...info }, `${name} circuit ${to}`);
    },
  });
  const rateSettings = {
    name,
    clock,
    perMinute: settings.rateLimitPerMin,
    burst: settings.rateLimitBurst,
    backoffBaseMs: settings.backoffBaseMs,
    backoffMaxMs: settings.backoffMaxMs,
  };
  const limiter: RateGate =
    typeof deps.rateGate === 'function' ? deps.rateGate(rateSettings) : (deps.rateGate ?? new RateLimiter(rateSettings));
  const slots: BulkheadPolicy | undefined = settings.concurrency > 0 ? bulkhead(settings.concurrency, Infinity) : undefined;
  const retryBackoff = new ExponentialBackoff({ generator: fullJitterGenerator, initialDelay: settings.backoffBaseMs, maxDelay: settings.backoffMaxMs });

  function observeHeaders(status: number, headers: Record<string, string>): void {
    const hint = parseRateLimitHeaders(headers, clock.now());
    if (!hint) return;
    const pauseMs = limiter.observe(hint);
    if (pauseMs > 0) log.info({ event: 'rate_limit_pause', status, pauseMs, reason: 'x-ratelimit-remaining' }, `${name} rate limit exhausted; pausing ${pauseMs} ms`);
  }

  function onAttemptFailure(err: unknown): void {
    if (err instanceof UpstreamHttpError) observeHeaders(err.status, err.headers);
    if (httpStatus(err) === 429) {
      const hint = retryAfterOf(err) ?? (limiter.pausedForMs() || undefined);
      const pauseMs = limiter.throttled(hint);
      log.warn({ event: 'rate_limited', pauseMs, hintMs: hint }, `${name} answered 429; pausing ${pauseMs} ms`);
    }
  }

  async function attemptOnce<T>(fn: (ctx: AttemptContext) => Promise<T>, attempt: number, deadlineAt: number, stats: CallStats, signal: AbortSignal | undefined): Promise<T> {
    signal?.throwIfAborted();
    breaker.assertCallable();
    const { waitedMs } = await limiter.acquire({ deadlineAt, deadlineMs: settings.deadlineMs, ...(signal ? { signal } : {}) });
    if (waitedMs > 0) {
      stats.rateLimitWaits++;
      stats.rateLimitWaitMs += waitedMs;
      metrics.rateLimitWaits.inc({ upstream: name });
      metrics.rateLimitWaitSeconds.inc({ upstream: name }, waitedMs / 1000);
      log.info({ event: 'rate_limit_wait', attempt, waitedMs }, `${name} held ${waitedMs} ms by rate limiter`);
    }
    let called = false;
    let startedAt = 0;
    const guarded = () =>
      breaker.run(
        () => {
          const timeoutMs = Math.min(settings.timeoutMs > 0 ? settings.timeoutMs : Infinity, deadlineAt - clock.now());
          if (timeoutMs <= 0) throw new DeadlineExceededError(name, settings.deadlineMs);
          called = true;
          startedAt = clock.now();
          stats.attempts++;
          return runWithTimeout({ clock, ms: timeoutMs, upstream: name, signal }, (attemptSignal) => fn({ signal: attemptSignal, attempt }));
        },
        judgeForBreaker,
      );
    try {
      const value = slots ? await slots.execute(guarded) : await guarded();
      limiter.accepted();
      metrics.attempts.inc({ upstream: name, outcome: 'success' });
      log.debug({ event: 'attempt', attempt, outcome: 'success', durationMs: clock.now() - startedAt }, `${name} attempt ${attempt} ok`);
      return value;
    } catch (err) {
      if (called) {
        const { cause } = classifyFailure(err);
        metrics.attempts.inc({ upstream: name, outcome: cause });
        log.info({ event: 'attempt', attempt, outcome: cause, durationMs: clock.now() - startedAt, err: summarize(err) }, `${name} attempt ${attempt} failed: ${cause}`);
        onAttemptFailure(err);
      }
      throw err;
    }
  }

  const policy: UpstreamPolicy = {
    name,
    clock,
    breakerState: () => breaker.state(),
    breakerRetryAfterMs: () => breaker.retryAfterMs(),
    observeResponse(status, headers) {
      limiter.accepted();
      observeHeaders(status, headers);
    },
    async execute<T>(fn: (ctx: AttemptContext) => Promise<T>, opts: ExecuteOptions = {}): Promise<T> {
      const stats = opts.stats ?? newCallStats();
      const deadlineAt = settings.deadlineMs > 0 ? clock.now() + settings.deadlineMs : Infinity;
      const maxRetries = opts.retry === false ? 0 : Math.max(0, settings.maxAttempts - 1);
      let backoff: IBackoff<unknown> | undefined;
      let planned: { waitMs: number; cause: string; hintMs: number | undefined } | undefined;
      // One retry policy per call: its filter plans this call's next wait (backoff state is per call).
      const retrying = retry(
        handleWhen((err) => {
          if (opts.signal?.aborted) return false;
          const f = classifyFailure(err);
          if (!f.retryable) return false;
          backoff = backoff ? backoff.next(undefined) : retryBackoff.next();
          const hintMs = retryAfterOf(err);
          const waitMs = Math.max(backoff.duration, hintMs ?? 0);
          if (clock.now() + waitMs >= deadlineAt) return false;
          planned = { waitMs, cause: f.cause, hintMs };
          return true;
        }),
        { maxAttempts: maxRetries },
      );
      try {
        return await retrying.execute(async ({ attempt }) => {
          if (attempt > 0 && planned) {
            const { waitMs, cause, hintMs } = planned;
            stats.retries[cause] = (stats.retries[cause] ?? 0) + 1;
            metrics.retries.inc({ upstream: name, cause });
            log.info({ event: 'retry', attempt: attempt + 1, cause, waitMs, hintMs }, `${name} retry ${attempt} after ${cause} in ${waitMs} ms`);
            await clock.sleep(waitMs, opts.signal);
          }
          return attemptOnce(fn, attempt + 1, deadlineAt, stats, opts.signal);
        });
      } catch (caught) {
        const err = opts.signal?.aborted ? new CallCancelledError(name, opts.signal.reason) : caught;
        const f = classifyFailure(err);
        // Exhausted transient failures are incidents; a 404 or a fast-failed call while open is not.
        log[f.retryable || f.cause === 'deadline' ? 'warn' : 'debug']({ event: 'gave_up', attempts: stats.attempts, cause: f.cause }, `${name} call failed: ${f.cause}`);
        throw err;
      }
    },
  };
  registerPolicy(policy);
  return policy;
}

// Server-side failures count against the upstream; any other HTTP answer proves it is up;
// errors without an answer that are not network/timeouts (our deadline, a bug) prove nothing.
function judgeForBreaker(err: unknown): Verdict {
  const f = classifyFailure(err);
  if (f.breakerFailure) return { kind: 'failure', cause: f.cause };
  return { kind: httpStatus(err) !== undefined ? 'success' : 'neutral', cause: f.cause };
}

// An upstream's own wait hint carried by the error (UpstreamHttpError.retryAfterMs, or SDK errors that expose one).
function retryAfterOf(err: unknown): number | undefined {
  const v = (err as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

// Errors are logged by name and message only: bodies and headers may carry secrets.
function summarize(err: unknown): { name: string; message: string } | string {
  return err instanceof Error ? { name: err.name, message: err.message.slice(0, 300) } : String(err);
}
