/** The idle wait of a worker loop: sleeps until woken (NOTIFY, a finished job, stop) or the poll interval. */
import type { Clock } from './types.ts';

/** A wake-able sleep. */
export interface Waker {
  /** End the current wait, or make the next one return at once. */
  wake(): void;
  wait(ms: number): Promise<void>;
}

/** A waker on `clock`; a wake that arrives while not waiting is remembered (no lost wake-ups). */
export function createWaker(clock: Clock): Waker {
  let pending = false;
  let current: AbortController | null = null;
  return {
    wake() {
      if (current) current.abort();
      else pending = true;
    },
    async wait(ms) {
      if (pending) {
        pending = false;
        return;
      }
      const ac = new AbortController();
      current = ac;
      try {
        await clock.sleep(ms, ac.signal);
      } catch {
        // An aborted sleep may reject; being woken is the expected outcome.
      } finally {
        current = null;
        pending = false;
      }
    },
  };
}
