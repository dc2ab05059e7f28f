/**
 * A clock that only moves when told to (tests). Sleeps are queued and fire in time order as
 * `advance`/`advanceTo` pass their wake time; between timers the event loop is flushed so that
 * code resumed by one timer can schedule the next one within the same advance.
 */
import { abortReason, type Clock } from './clock.ts';

/** One pending sleep of a manual clock. */
export interface PendingSleep {
  /** Requested duration. */
  ms: number;
  /** Clock time at which it fires. */
  wakeAt: number;
}

/** A Clock driven by hand. */
export interface ManualClock extends Clock {
  /** Pending sleeps, earliest first. */
  pending(): PendingSleep[];
  /** Move time forward by `ms`, firing every sleep due on the way (in order). */
  advance(ms: number): Promise<void>;
  /** Move time forward to `t` (no-op if `t` is in the past), firing due sleeps in order. */
  advanceTo(t: number): Promise<void>;
}

interface Sleeper extends PendingSleep {
  seq: number;
  resolve(): void;
}

// 2024-01-01T00:00:00Z: a whole second, so HTTP dates (second precision) round-trip exactly.
const DEFAULT_START = Date.UTC(2024, 0, 1);

/** Create a manual clock starting at `startMs` (epoch ms). */
export function createManualClock(startMs: number = DEFAULT_START): ManualClock {
  let now = startMs;
  let seq = 0;
  const sleepers: Sleeper[] = [];

  const ordered = () => [...sleepers].sort((a, b) => a.wakeAt - b.wakeAt || a.seq - b.seq);
  const remove = (s: Sleeper) => {
    const i = sleepers.indexOf(s);
    if (i >= 0) sleepers.splice(i, 1);
  };

  async function advanceTo(target: number): Promise<void> {
    for (;;) {
      await flush();
      const next = ordered()[0];
      if (!next || next.wakeAt > target) break;
      now = Math.max(now, next.wakeAt);
      remove(next);
      next.resolve();
    }
    now = Math.max(now, target);
    await flush();
  }

  return {
    now: () => now,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(abortReason(signal));
          return;
        }
        const sleeper: Sleeper = {
          ms,
          wakeAt: now + Math.max(0, ms),
          seq: seq++,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          remove(sleeper);
          reject(abortReason(signal));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        sleepers.push(sleeper);
      });
    },
    pending: () => ordered().map(({ ms, wakeAt }) => ({ ms, wakeAt })),
    advance: (ms) => advanceTo(now + ms),
    advanceTo,
  };
}

// Let promise chains and zero-delay timers resumed by a fired sleep run to their next wait.
async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((r) => setImmediate(r));
    await new Promise<void>((r) => setTimeout(r, 0));
  }
}
