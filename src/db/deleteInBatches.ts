/**
 * Pruning in short statements: a table pruned for the first time after months may hold millions
 * of old rows, and one DELETE of all of them would hold its locks, its WAL and its snapshot for
 * as long as that takes. Each statement here removes at most `batch` rows and commits on its own.
 */
import type { Queryable } from './pool.ts';

/**
 * Run `sql` — a DELETE whose last parameter bounds the rows one statement removes (e.g.
 * `DELETE FROM t WHERE ctid = ANY(ARRAY(SELECT ctid FROM t WHERE … LIMIT $2))`) — until a
 * statement removes fewer than `batch`; returns how many rows were removed in all.
 */
export async function deleteInBatches(db: Queryable, sql: string, params: readonly unknown[], batch = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const res = await db.query(sql, [...params, batch]);
    const n = res.rowCount ?? 0;
    total += n;
    if (n < batch) return total;
  }
}
