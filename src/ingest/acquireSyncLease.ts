/**
 * The run-long lease of a sync: one `sync_leases` row per (connection, entity), carrying the
 * run's holder token and an expiry, taken all-or-none at run start only if free or expired.
 *
 * Why a fenced lease row (no longer session advisory locks held on a dedicated connection): a run
 * at the ad platform's 10 requests/min lasts minutes and spends nearly all of it waiting, and
 * with a thousand client connections a held connection per run is a thousand idle database
 * connections. So no connection is held between pages: each page transaction takes one from
 * the pool and fences itself — it extends the lease `WHERE holder = token` first, in the same
 * transaction, and rolls back with LeaseLostError if that matches fewer rows than the run holds.
 * The extension row-locks the lease until COMMIT, so no one can take it between the check and
 * the commit: a run that lost its lease can never commit a page. A per-page lock alone would let
 * two runs interleave pages from one cursor; the lease keeps one run per stream for the whole
 * run. Between pages (rate-limit and retry waits can be long) a heartbeat extends the lease; a
 * crashed process stops extending it, and once it expires the next run takes it over (and marks
 * the orphaned run failed, see failAbandonedRuns). Times are the database's `now()`, the one
 * clock every process shares.
 */
import { randomUUID } from 'node:crypto';
import { withDbRetry, withTransaction, type Pool, type PoolClient } from '../db/index.ts';

/** The run's lease was taken over (it expired) or removed: it may not write anymore (not retryable). */
export class LeaseLostError extends Error {
  constructor() {
    super('the sync lost its lease (it expired and another run took it over); this run stops without writing');
    this.name = 'LeaseLostError';
  }
}

/** A held lease. */
export interface SyncLease {
  /** Run `fn` in a pooled transaction fenced by the lease; transient DB errors retry the whole transaction. */
  transaction<T>(fn: (tx: PoolClient) => Promise<T>): Promise<T>;
  /** Stop the heartbeat and delete the lease rows. */
  release(): Promise<void>;
}

/** Options of {@link tryAcquireSyncLease}. */
export interface SyncLeaseOptions {
  connectionId: string;
  entities: string[];
  /** How long the lease outlives its last extension (a crashed run's streams are free after it). */
  ttlMs: number;
  /** Called once when the heartbeat finds the lease gone (the run should stop). */
  onLost?: (err: LeaseLostError) => void;
}

class NotFree extends Error {}

/** Take the lease of every entity or none; null when any is held (unexpired) by another run. */
export async function tryAcquireSyncLease(pool: Pool, opts: SyncLeaseOptions): Promise<SyncLease | null> {
  const holder = randomUUID();
  // Sorted: two runs over overlapping streams take the rows in one order (no deadlock).
  const entities = [...new Set(opts.entities)].sort();
  const ttl = opts.ttlMs;
  try {
    await withDbRetry(() =>
      withTransaction(pool, async (tx) => {
        const { rows } = await tx.query<{ n: number }>(
          `WITH taken AS (
             INSERT INTO sync_leases AS l (connection_id, entity, holder, expires_at)
             SELECT $1, e, $3, now() + $4 * interval '1 millisecond' FROM unnest($2::text[]) AS e
             ON CONFLICT (connection_id, entity) DO UPDATE
               SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at, acquired_at = now()
               WHERE l.expires_at < now()
             RETURNING 1)
           SELECT count(*)::int AS n FROM taken`,
          [opts.connectionId, entities, holder, ttl],
        );
        // Some row is held: roll back the ones taken (all or none).
        if ((rows[0]?.n ?? 0) !== entities.length) throw new NotFree();
      }),
    );
  } catch (err) {
    if (err instanceof NotFree) return null;
    throw err;
  }

  // Extends every row of the lease; false when fewer are still ours.
  const extend = async (db: Pick<PoolClient, 'query'>): Promise<boolean> => {
    const res = await db.query(`UPDATE sync_leases SET expires_at = now() + $2 * interval '1 millisecond' WHERE holder = $1`, [holder, ttl]);
    return res.rowCount === entities.length;
  };

  let lost = false;
  const heartbeat = setInterval(() => {
    // A failed heartbeat (database briefly away) is retried on the next tick; the page fence
    // is what guarantees safety, the heartbeat only keeps a waiting run's lease alive.
    extend(pool).then((ok) => {
      if (ok || lost) return;
      lost = true;
      clearInterval(heartbeat);
      opts.onLost?.(new LeaseLostError());
    }, () => undefined);
  }, Math.max(100, Math.floor(ttl / 3)));
  heartbeat.unref();

  return {
    transaction(fn) {
      return withDbRetry(() =>
        withTransaction(pool, async (tx) => {
          if (!(await extend(tx))) throw new LeaseLostError();
          return fn(tx);
        }),
      );
    },
    async release() {
      clearInterval(heartbeat);
      // Failing here only delays the next run until the lease expires.
      await withDbRetry(() => pool.query('DELETE FROM sync_leases WHERE holder = $1', [holder])).catch(() => undefined);
    },
  };
}
