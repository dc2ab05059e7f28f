/**
 * Insert-once scheduler ticks: of any number of schedulers, exactly one wins each (name, slot).
 * The claim and the work it guards share one transaction, so work that fails (rolled back)
 * leaves the slot free for the next tick or another instance.
 */
import { withTransaction, type Pool, type PoolClient } from '../db/index.ts';

/** Run `fn` in a transaction if this call claims (name, slot); null when another claim exists. */
export async function fireOnce<T>(pool: Pool, name: string, slot: string, fn: (tx: PoolClient) => Promise<T>): Promise<{ value: T } | null> {
  return withTransaction(pool, async (tx) => {
    // A concurrent claimer waits here on our uncommitted row, then sees the conflict.
    const res = await tx.query('INSERT INTO scheduler_ticks (name, slot) VALUES ($1, $2) ON CONFLICT DO NOTHING', [name, slot]);
    if (res.rowCount !== 1) return null;
    return { value: await fn(tx) };
  });
}
