/**
 * A write on behalf of a stored connection takes a key-share lock on its row: a removal (and its
 * purge) waits for that write to commit, and a write after the removal finds no row and stops —
 * so a sync still running when its connection is removed never writes rows a purge has passed.
 */
import type { Queryable } from '../db/index.ts';

/** Lock connection `id` against deletion for this transaction; false when it no longer exists. */
export async function lockConnection(db: Queryable, id: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM connections WHERE id = $1 FOR KEY SHARE', [id]);
  return rows.length === 1;
}
