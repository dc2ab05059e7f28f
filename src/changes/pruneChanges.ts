/**
 * Retention of the change feed: changes older than the retention are deleted, and the highest
 * position deleted is remembered (changes_pruned) so that a cursor below it is answered 410
 * `cursor_expired` instead of silently skipping what was pruned. Only changes below the horizon
 * are pruned (a running transaction's are not final yet), and everything up to the watermark
 * goes, so the retained history is one unbroken range after it. Idempotent and safe with
 * several schedulers (the watermark only moves forward, under a row lock).
 */
import type { Pool } from '../db/index.ts';
import { withTransaction } from '../db/index.ts';

const TABLES = ['payments', 'contacts', 'calendar_events', 'campaigns'];
const DAY_MS = 86_400_000;

/** Delete changes written more than `retentionDays` before `now`; returns how many. */
export async function pruneChanges(pool: Pool, opts: { retentionDays: number; now: number }): Promise<number> {
  const cutoff = new Date(opts.now - opts.retentionDays * DAY_MS);
  return withTransaction(pool, async (tx) => {
    // The newest old-enough final change is the new watermark (BRIN on changed_at finds them).
    const { rows } = await tx.query<{ pos: string; id: string }>(
      `SELECT pos::text, id::text FROM changes
       WHERE changed_at < $1 AND pos < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY pos DESC, id DESC LIMIT 1`,
      [cutoff],
    );
    const mark = rows[0];
    if (!mark) return 0;
    const moved = await tx.query(
      `INSERT INTO changes_pruned (pos, id) VALUES ($1::xid8, $2::bigint)
       ON CONFLICT (only_row) DO UPDATE SET pos = excluded.pos, id = excluded.id
       WHERE (changes_pruned.pos, changes_pruned.id) < (excluded.pos, excluded.id)`,
      [mark.pos, mark.id],
    );
    if (moved.rowCount === 0) return 0;
    const res = await tx.query('DELETE FROM changes WHERE table_name = ANY($1::text[]) AND (pos, id) <= ($2::xid8, $3::bigint)', [TABLES, mark.pos, mark.id]);
    return res.rowCount ?? 0;
  });
}
