/**
 * Retention of the change feed: changes written before a cutoff are deleted, and the highest
 * position deleted is remembered (changes_pruned) so that a cursor below it is answered 410
 * `cursor_expired` instead of silently skipping what was pruned. Only changes below the horizon
 * are pruned (a running transaction's are not final yet), and everything up to the watermark
 * goes, so the retained history is one unbroken range after it. One statement: safe with
 * several schedulers (the watermark only moves forward, under its row lock; a second pruner with
 * the same mark deletes nothing).
 */
import type { Queryable } from '../db/index.ts';
import { DATA_TABLES } from '../ingest/index.ts';

// The newest old-enough final change is the new watermark (BRIN on changed_at finds the candidates).
const PRUNE_SQL = `
WITH mark AS (
  SELECT pos, id FROM changes
  WHERE changed_at < $1 AND pos < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY pos DESC, id DESC LIMIT 1),
moved AS (
  INSERT INTO changes_pruned (pos, id) SELECT pos, id FROM mark
  ON CONFLICT (only_row) DO UPDATE SET pos = excluded.pos, id = excluded.id
  WHERE (changes_pruned.pos, changes_pruned.id) < (excluded.pos, excluded.id)
  RETURNING pos, id)
DELETE FROM changes c USING moved
WHERE c.table_name = ANY($2::text[]) AND (c.pos, c.id) <= (moved.pos, moved.id)`;

/** Delete the changes written before `olderThan` (and every one below them); returns how many. */
export async function pruneChanges(db: Queryable, olderThan: Date): Promise<number> {
  const res = await db.query(PRUNE_SQL, [olderThan, DATA_TABLES]);
  return res.rowCount ?? 0;
}
