/**
 * A background loop of `runOnce()` every `everyMs`: at most one round in flight (a slow round is
 * not stacked with the next), a failed round logged and retried on the next tick, the timer
 * unref'd so it never keeps a process alive, and stop() waiting for the round in flight. The
 * schedulers call this; tests call their `runOnce()` directly.
 */
import type { Logger } from '../log.ts';

/** A started-or-stopped periodic loop. */
export interface PeriodicTask {
  /** Run a round now, then every `everyMs` (no-op when started). */
  start(): void;
  /** Stop ticking and wait for the round in flight. */
  stop(): Promise<void>;
}

/** Loop `runOnce` every `everyMs`; `what` names it in the error log line. */
export function runPeriodically(runOnce: () => Promise<unknown>, opts: { everyMs: number; logger: Logger; what: string }): PeriodicTask {
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<unknown> | null = null;
  const tick = () => {
    if (inFlight) return;
    inFlight = runOnce()
      .catch((err: unknown) => opts.logger.error({ err }, `${opts.what} tick failed`))
      .finally(() => {
        inFlight = null;
      });
  };
  return {
    start() {
      if (timer) return;
      tick();
      timer = setInterval(tick, opts.everyMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await inFlight;
    },
  };
}
