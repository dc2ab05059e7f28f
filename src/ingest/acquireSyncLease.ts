/**
 * The run-long lease of a sync: session-level advisory locks, one per (source, entity), held on
 * a dedicated connection for the whole run, and every page transaction runs on that same
 * connection.
 *
 * Why session locks on the writing connection (not xact locks per page): a per-page lock would
 * let two runs interleave pages from the same cursor (double fetching, racing cursor writes)
 * and could not tell the second run to stop at once. Holding the lock on the connection that
 * writes means "lock held" and "writes possible" fail together: if the connection dies, the
 * lock is gone, and the next page transaction first reconnects and re-takes the locks — or
 * stops the run if another run took them meanwhile.
 */
import { withDbRetry, type Pool, type PoolClient } from '../db/index.ts';

/** Lock key of one stream. */
export function streamLockKey(source: string, entity: string): string {
  return `buffalo:sync:${source}:${entity}`;
}

/** The run lost its locks to another run while reconnecting (not retryable). */
export class LeaseLostError extends Error {
  constructor() {
    super('the sync lost its advisory lock while reconnecting to the database; another run holds it now');
    this.name = 'LeaseLostError';
  }
}

/** A held lease. */
export interface SyncLease {
  /** Run `fn` in a transaction on the lease's connection; transient DB errors retry the whole transaction. */
  transaction<T>(fn: (tx: PoolClient) => Promise<T>): Promise<T>;
  /** Unlock and return the connection. */
  release(): Promise<void>;
}

// A held connection that dies between queries emits 'error'; without a listener that would
// crash the process. The next query on it fails and the transaction path reconnects.
const ignoreError = () => undefined;

async function tryLockAll(client: PoolClient, keys: string[]): Promise<boolean> {
  client.on('error', ignoreError);
  const { rows } = await client.query<{ locked: boolean[] }>(
    `SELECT array_agg(pg_try_advisory_lock(hashtextextended(k, 0)) ORDER BY ord) AS locked
     FROM unnest($1::text[]) WITH ORDINALITY AS u(k, ord)`,
    [keys],
  );
  const locked = rows[0]?.locked ?? [];
  if (locked.every(Boolean)) return true;
  const held = keys.filter((_, i) => locked[i]);
  if (held.length) await client.query('SELECT pg_advisory_unlock(hashtextextended(k, 0)) FROM unnest($1::text[]) k', [held]);
  return false;
}

/** Take every lock of `keys` or none; null when any is held by another session. */
export async function tryAcquireSyncLease(pool: Pool, keys: string[]): Promise<SyncLease | null> {
  let client: PoolClient | null = await withDbRetry(() => pool.connect());
  try {
    if (!(await tryLockAll(client, keys))) {
      client.off('error', ignoreError);
      client.release();
      return null;
    }
  } catch (err) {
    client.release(true);
    throw err;
  }

  async function connection(): Promise<PoolClient> {
    if (client) return client;
    const fresh = await pool.connect();
    try {
      if (!(await tryLockAll(fresh, keys))) throw new LeaseLostError();
    } catch (err) {
      fresh.off('error', ignoreError);
      fresh.release(err instanceof LeaseLostError ? undefined : true);
      throw err;
    }
    client = fresh;
    return fresh;
  }

  return {
    transaction(fn) {
      return withDbRetry(async () => {
        const tx = await connection();
        try {
          await tx.query('BEGIN');
          const out = await fn(tx);
          await tx.query('COMMIT');
          return out;
        } catch (err) {
          try {
            await tx.query('ROLLBACK');
          } catch {
            // Connection gone: so are its locks; drop it and re-lock on the retry.
            client = null;
            tx.release(true);
          }
          throw err;
        }
      });
    },
    async release() {
      const held = client;
      client = null;
      if (!held) return;
      try {
        await held.query('SELECT pg_advisory_unlock_all()');
        held.off('error', ignoreError);
        held.release();
      } catch {
        held.release(true);
      }
    },
  };
}
