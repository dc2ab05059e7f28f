/**
 * Waking consumers after a commit, coalesced. A NOTIFY inside a transaction takes PostgreSQL's
 * global notify lock from pre-commit until its commit record is flushed, so every notifying
 * commit on the server queues behind the others (on a durable server: one WAL flush at a time,
 * no group commit). Producers on a hot path enqueue with `notify: false` and call
 * {@link announceJobs} after their commit instead: per pool and queue at most one NOTIFY is in
 * flight, and announcements arriving meanwhile fold into one more after it (at least
 * {@link ANNOUNCE_MIN_GAP_MS} after the previous one was sent). A NOTIFY is only a
 * latency hint — consumers also poll — so a failed or lost one delays a job by at most one poll.
 */
import type { Pool } from '../db/index.ts';
import { NOTIFY_CHANNEL } from './enqueue.ts';

interface QueueAnnouncer {
  inFlight: boolean;
  again: boolean;
}

/**
 * Least time between two NOTIFYs of one queue from one pool: under load a NOTIFY per round trip
 * is still one write, one transaction and one server wake-up per few orders; at most one per
 * 5 ms bounds that (≤ 200/s per queue and process) and delays a wake-up by at most 5 ms.
 */
export const ANNOUNCE_MIN_GAP_MS = 5;

const announcers = new WeakMap<Pool, Map<string, QueueAnnouncer>>();

/** Wake the consumers of `queues` (jobs were committed to them); returns at once, the NOTIFY goes out in the background. */
export function announceJobs(pool: Pool, queues: Iterable<string>): void {
  let byQueue = announcers.get(pool);
  if (!byQueue) announcers.set(pool, (byQueue = new Map()));
  for (const queue of queues) {
    let a = byQueue.get(queue);
    if (!a) byQueue.set(queue, (a = { inFlight: false, again: false }));
    if (a.inFlight) a.again = true;
    else send(pool, queue, a);
  }
}

function send(pool: Pool, queue: string, a: QueueAnnouncer): void {
  a.inFlight = true;
  a.again = false;
  const sentAt = performance.now();
  // Its own transaction, committed without waiting for the WAL flush: a hint lost in a crash
  // costs one poll, and a busy producer must not add a durable commit per announcement.
  pool
    .query("SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)", [NOTIFY_CHANNEL, queue])
    // Only a hint: consumers poll, so a failure (pool ending, database away) costs latency, not jobs.
    .catch(() => undefined)
    .finally(() => {
      if (!a.again || pool.ending) {
        a.inFlight = false;
        return;
      }
      const wait = ANNOUNCE_MIN_GAP_MS - (performance.now() - sentAt);
      if (wait <= 0) send(pool, queue, a);
      // Unref'd: a pending announcement must not keep a finished process alive (consumers poll).
      else setTimeout(() => (pool.ending ? (a.inFlight = false) : send(pool, queue, a)), wait).unref();
    });
}
