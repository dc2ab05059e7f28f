/**
 * A rate gate every process shares through PostgreSQL: one token bucket row per key (e.g.
 * `connection:<id>`), so several workers syncing the same upstream account together stay under
 * the account's limit, and a 429 or `X-RateLimit-Remaining: 0` seen by one pauses all of them.
 *
 * Each acquire reserves the caller's slot in one statement and sleeps on the injected clock
 * until it; a slot that came due is confirmed by one more read (a pause since the reservation
 * voids it and the caller reserves again). Push-back (throttled/observe/accepted) is applied to
 * the local view at once and written in the background, ahead of this gate's next acquire.
 * Why reservations, which clock, and what happens when the database is unreachable:
 * docs/rate-limits.md.
 */
import { withDbRetry, type Pool } from '../db/index.ts';
import { silentLogger, type Logger } from '../log.ts';
import {
  DeadlineExceededError,
  PACING_HEADROOM,
  systemClock,
  type Acquired,
  type AcquireOptions,
  type Clock,
  type RateGate,
  type RateGateFactory,
  type RateLimitHint,
} from '../resilience/index.ts';
import { capTokens, clearThrottled, createBucket, pauseBucket, readPause, reserveSlot, returnToken, type Reservation } from './rateBucketSql.ts';

/** Settings of one shared gate. */
export interface SharedRateGateOptions {
  /** Names the gate in errors and logs (default: the key). */
  name?: string;
  /** Sustained rate of the whole account, all processes together; 0 = no steady limit. */
  perMinute: number;
  /** Bucket size: calls let through at once. */
  burst: number;
  /** Pause after a 429 without a hint: base × 2^(n-1) for the n-th 429 in a row (all processes), capped. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /**
   * Whose clock times the bucket: 'clock' (default) passes the injected clock's now() into every
   * statement, so tests on a manual clock are deterministic; 'database' uses the server's clock,
   * one clock for every process whatever their hosts' skew (waits are still slept on the
   * injected clock: only durations cross between the two).
   */
  time?: 'clock' | 'database';
  logger?: Logger;
}

// A database blip is retried briefly; longer, the acquire fails rather than let calls through
// unmetered (docs/rate-limits.md, failure modes). Real time: these waits are about the database.
const DB_RETRY = { attempts: 3, baseMs: 100, maxMs: 1_000 };

/**
 * The shared bucket could not be reached: the call is not sent. Its own code keeps the policy
 * from taking the database's ECONNREFUSED for the upstream's (not retried, not a breaker failure).
 */
export class RateGateUnavailableError extends Error {
  readonly code = 'RATE_GATE_UNAVAILABLE';
  constructor(key: string, cause: unknown) {
    super(`rate bucket ${key} unreachable in the database: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'RateGateUnavailableError';
  }
}

/** Create the gate of bucket `key` on `pool`, timed by `clock`. */
export function createSharedRateGate(pool: Pool, key: string, options: SharedRateGateOptions, clock: Clock = systemClock): RateGate {
  const name = options.name ?? key;
  const log = (options.logger ?? silentLogger).child({ rateBucket: key });
  const limited = options.perMinute > 0;
  const ratePerMs = limited ? (options.perMinute * PACING_HEADROOM) / 60_000 : null;
  const burst = Math.max(1, options.burst);
  const dbNow = () => (options.time === 'database' ? null : clock.now());
  // The local view: this process's own push-back at once, the bucket's as last read.
  let pausedUntil = 0;
  let throttledInARow = 0;
  // Background writes, in order; every acquire waits for them first.
  let writes: Promise<void> = Promise.resolve();

  function seePause(pausedForMs: number): void {
    pausedUntil = Math.max(pausedUntil, clock.now() + pausedForMs);
  }

  function write(what: string, run: () => Promise<unknown>): void {
    writes = writes
      .then(() => withDbRetry(run, DB_RETRY))
      .then(
        () => undefined,
        // The local view still holds this process back; other processes learn of it from their next 429.
        (err: unknown) => log.warn({ event: 'rate_bucket_write_failed', what, err: (err as Error).message }, `${name}: could not share ${what} through the database`),
      );
  }

  async function shared<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await withDbRetry(run, DB_RETRY);
    } catch (err) {
      throw new RateGateUnavailableError(key, err);
    }
  }

  async function reserve(deadlineAt: number | null): Promise<Reservation> {
    return shared(async () => {
      const first = await reserveSlot(pool, key, dbNow(), ratePerMs, burst, deadlineAt);
      if (first) return first;
      await createBucket(pool, key, dbNow(), burst);
      const second = await reserveSlot(pool, key, dbNow(), ratePerMs, burst, deadlineAt);
      if (!second) throw new Error(`rate bucket ${key} vanished`);
      return second;
    });
  }

  return {
    async acquire(opts: AcquireOptions = {}): Promise<Acquired> {
      const start = clock.now();
      for (;;) {
        await writes;
        const r = await reserve(opts.deadlineAt !== undefined && Number.isFinite(opts.deadlineAt) ? opts.deadlineAt : null);
        seePause(r.pausedForMs);
        throttledInARow = r.throttledInARow;
        if (!r.taken) throw new DeadlineExceededError(name, opts.deadlineMs ?? (opts.deadlineAt ?? start) - start);
        if (r.waitMs === 0) return { waitedMs: clock.now() - start };
        try {
          await clock.sleep(r.waitMs, opts.signal);
        } catch (err) {
          write('a returned token', () => returnToken(pool, key, burst, r.epoch));
          throw err;
        }
        await writes;
        const now = await shared(() => readPause(pool, key, dbNow()));
        if (now) seePause(now.pausedForMs);
        if (now?.epoch === r.epoch) return { waitedMs: clock.now() - start };
        // A pause since the reservation voided it: reserve again, after the pause.
      }
    },

    throttled(retryAfterMs) {
      throttledInARow++;
      const pauseMs = retryAfterMs ?? Math.min(options.backoffMaxMs, options.backoffBaseMs * 2 ** (throttledInARow - 1));
      seePause(pauseMs);
      const at = dbNow();
      write('a 429 pause', async () => {
        const r = await pauseBucket(pool, key, at, { pauseMs: retryAfterMs ?? null, throttled: true, backoffBaseMs: options.backoffBaseMs, backoffMaxMs: options.backoffMaxMs });
        if (r) {
          seePause(r.pausedForMs);
          throttledInARow = r.throttledInARow;
        }
      });
      return pauseMs;
    },

    accepted() {
      // Written only when some 429 was seen: a successful call costs no extra round trip.
      if (throttledInARow === 0) return;
      throttledInARow = 0;
      write('the end of a 429 streak', () => clearThrottled(pool, key));
    },

    observe(hint: RateLimitHint) {
      if (hint.remaining === undefined) return 0;
      const { remaining, resetAt } = hint;
      // Tokens never exceed burst, so only a smaller remainder changes the bucket.
      const at = dbNow();
      if (ratePerMs !== null && remaining < burst) write('the upstream remainder', () => capTokens(pool, key, at, ratePerMs, burst, remaining));
      const now = clock.now();
      if (remaining > 0 || resetAt === undefined || resetAt <= now) return 0;
      const pauseMs = resetAt - now;
      seePause(pauseMs);
      write('an exhausted window', async () => {
        const r = await pauseBucket(pool, key, at, { pauseMs, throttled: false, backoffBaseMs: options.backoffBaseMs, backoffMaxMs: options.backoffMaxMs });
        if (r) seePause(r.pausedForMs);
      });
      return pauseMs;
    },

    pausedForMs: () => Math.max(0, pausedUntil - clock.now()),
  };
}

/**
 * A factory for createPolicy's `rateGate`: the policy's own rate settings, applied to the shared
 * bucket `key` on `pool` (the policy's clock times it).
 */
export function sharedRateGateFactory(pool: Pool, key: string, extra: Pick<SharedRateGateOptions, 'time' | 'logger'> = {}): RateGateFactory {
  return (s) => createSharedRateGate(pool, key, { name: s.name, perMinute: s.perMinute, burst: s.burst, backoffBaseMs: s.backoffBaseMs, backoffMaxMs: s.backoffMaxMs, ...extra }, s.clock);
}
