/**
 * LISTEN wake-ups: one dedicated connection per pool (not a pooled one, which would be
 * recycled and lose its LISTEN), shared by every worker on that pool, reconnecting with
 * backoff when lost. Notifications are only a latency hint: workers also poll, and every
 * reconnect wakes all subscribers to cover what was missed while disconnected.
 */
import pg from 'pg';
import type { Pool } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { backoffMs } from './backoff.ts';
import { NOTIFY_CHANNEL } from './enqueue.ts';
import type { Clock } from './types.ts';

/** A registration returned by {@link subscribe}. */
export interface Subscription {
  /** Resolves after the first connection attempt (successful or not). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/** Application name of the listener connection (visible in pg_stat_activity). */
export const LISTENER_APPLICATION = 'buffalo_listen';

const RECONNECT = { baseMs: 200, maxMs: 10_000 };

class Listener {
  private client: pg.Client | null = null;
  private readonly subscribers = new Map<string, Set<() => void>>();
  private closed = false;
  private readonly stopSleep = new AbortController();
  readonly ready: Promise<void>;

  constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.ready = this.connectLoop();
  }

  add(queue: string, fn: () => void): void {
    let set = this.subscribers.get(queue);
    if (!set) this.subscribers.set(queue, (set = new Set()));
    set.add(fn);
  }

  /** Remove; true when no subscriber is left. */
  remove(queue: string, fn: () => void): boolean {
    const set = this.subscribers.get(queue);
    set?.delete(fn);
    if (set?.size === 0) this.subscribers.delete(queue);
    return this.subscribers.size === 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopSleep.abort();
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }

  // Resolves after the first attempt; later attempts continue in the background.
  private connectLoop(): Promise<void> {
    return this.attempt(0);
  }

  // Ending the pool ends its listener too: a subscriber still registered then (a worker that
  // did not stop in time at shutdown) must not keep reconnecting to a server going away.
  private get stopped(): boolean {
    return this.closed || this.pool.ending;
  }

  private async attempt(failures: number): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ ...this.pool.options, application_name: LISTENER_APPLICATION });
    client.on('notification', (msg) => this.dispatch(msg.payload));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('listener connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      if (this.stopped) return;
      this.logger.warn({ err }, 'queue listener could not connect; polling until it can');
      void this.retryLater(failures + 1);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (failures > 0) this.logger.info('queue listener reconnected');
    // Anything enqueued while we were not listening was not announced to us.
    this.wakeAll();
  }

  private async retryLater(failures: number): Promise<void> {
    await this.clock.sleep(backoffMs(failures, RECONNECT), this.stopSleep.signal).catch(() => undefined);
    await this.attempt(failures);
  }

  private lost(client: pg.Client, err: unknown): void {
    if (this.client !== client) return;
    this.client = null;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (this.stopped) {
      if (!this.closed) this.logger.debug('queue listener connection ended after its pool was; not reconnecting');
      return;
    }
    this.logger.warn({ err }, 'queue listener connection lost; reconnecting');
    void this.retryLater(1);
  }

  private dispatch(queue: string | undefined): void {
    if (queue === undefined) return this.wakeAll();
    for (const fn of this.subscribers.get(queue) ?? []) fn();
  }

  private wakeAll(): void {
    for (const set of this.subscribers.values()) for (const fn of set) fn();
  }
}

const listeners = new WeakMap<Pool, Listener>();

/** Call `onWake` whenever a job is enqueued on `queue` (and after every listener reconnect). */
export function subscribe(pool: Pool, queue: string, onWake: () => void, deps: { logger: Logger; clock: Clock }): Subscription {
  let listener = listeners.get(pool);
  if (!listener) {
    listener = new Listener(pool, deps.logger, deps.clock);
    listeners.set(pool, listener);
  }
  listener.add(queue, onWake);
  const l = listener;
  return {
    ready: l.ready,
    async close() {
      if (l.remove(queue, onWake)) {
        if (listeners.get(pool) === l) listeners.delete(pool);
        await l.close();
      }
    },
  };
}
