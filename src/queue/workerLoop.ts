/**
 * The start/stop loop both workers run: LISTEN for wake-ups, then claim rounds back to back
 * while a round says there is more, else sleep until NOTIFY, a wake or the poll interval. A round
 * that throws (lost connection, database down) is retried with backoff: the loop never dies.
 */
import { isTransientDbError, type Pool } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { backoffMs } from './backoff.ts';
import { subscribe, type Subscription } from './listen.ts';
import type { Clock, RunResult, Worker } from './types.ts';
import type { Waker } from './waker.ts';

/** Options of `createWorkerLoop`. */
export interface WorkerLoopOptions {
  queue: string;
  pool: Pool;
  /** The worker's `runOnce` (exposed as is; tests call it directly). */
  runOnce: () => Promise<RunResult>;
  /** One claim round of the loop; true = claim again at once instead of sleeping. */
  round: () => Promise<boolean>;
  /** Log message of a failed round. */
  roundFailed: string;
  pollIntervalMs: number;
  waker: Waker;
  logger: Logger;
  clock: Clock;
  /** Awaited by stop() after the loop ended, before unsubscribing (e.g. handlers still running). */
  drain?: () => Promise<unknown>;
}

/** A Worker running `round` in a loop between start() and stop(). */
export function createWorkerLoop(o: WorkerLoopOptions): Worker {
  const { waker } = o;
  let running = false;
  let loop: Promise<void> | null = null;
  let sub: Subscription | null = null;

  async function run(): Promise<void> {
    let errors = 0;
    while (running) {
      try {
        const more = await o.round();
        errors = 0;
        if (more) continue;
      } catch (err) {
        errors++;
        const waitMs = backoffMs(errors, { baseMs: 100, maxMs: 10_000 });
        o.logger[isTransientDbError(err) ? 'warn' : 'error']({ err, waitMs }, o.roundFailed);
        await waker.wait(waitMs);
        continue;
      }
      await waker.wait(o.pollIntervalMs);
    }
  }

  return {
    queue: o.queue,
    runOnce: o.runOnce,
    async start() {
      if (running) return;
      running = true;
      sub = subscribe(o.pool, o.queue, () => waker.wake(), { logger: o.logger, clock: o.clock });
      await sub.ready;
      loop = run();
    },
    async stop() {
      if (!running) return;
      running = false;
      waker.wake();
      await loop;
      loop = null;
      await o.drain?.();
      await sub?.close();
      sub = null;
    },
  };
}
