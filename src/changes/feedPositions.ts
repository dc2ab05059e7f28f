/**
 * Positions of the feed for other modules and for re-snapshots: the head (where a consumer that
 * walks the data endpoints now resumes the feed), the range of changes the caller's own
 * transaction wrote (e.g. to announce them in a webhook after commit), and whether a position is
 * visible to readers yet.
 */
import type { Queryable } from '../db/index.ts';
import { DATA_TABLES } from '../ingest/index.ts';
import { decodeChangeCursor, encodeChangeCursor } from './changeCursor.ts';

/**
 * The head cursor: (oldest running transaction, 0). Every change a reader can return now lies
 * before it and every change committed later after it, so head → walk the data endpoint →
 * follow /changes from head misses nothing (docs/changes.md).
 */
export async function headCursor(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ pos: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS pos');
  return encodeChangeCursor({ pos: rows[0]!.pos, id: '0' });
}

/** The changes a transaction wrote: read `GET /changes?after=<after>` up to and including `last`. */
export interface ChangeRange {
  /** Cursor just before the transaction's first change. */
  after: string;
  /** Cursor of its last change. */
  last: string;
  /** Number of change rows (all tables). */
  count: number;
}


/**
 * Inside a transaction, before it commits: the range of feed positions its changes took so far
 * (null when it wrote none). Other transactions' changes can interleave in that range; a
 * consumer filters by nothing here, it just reads the range. The rows become readable once
 * {@link isPositionVisible} says so for `last` (after this transaction and every older one ended).
 */
export async function changeRangeOfTransaction(tx: Queryable): Promise<ChangeRange | null> {
  // Every change of this transaction has pos ≥ its own id: the range scan starts there.
  const { rows } = await tx.query<{ first_pos: string | null; first_id: string | null; last_pos: string | null; last_id: string | null; n: string }>(
    `WITH mine AS (
       SELECT pos, id FROM changes
       WHERE table_name = ANY($1::text[]) AND xact = pg_current_xact_id_if_assigned() AND pos >= pg_current_xact_id_if_assigned())
     SELECT (SELECT pos::text FROM mine ORDER BY pos, id LIMIT 1) AS first_pos, (SELECT id - 1 FROM mine ORDER BY pos, id LIMIT 1)::text AS first_id,
            (SELECT pos::text FROM mine ORDER BY pos DESC, id DESC LIMIT 1) AS last_pos, (SELECT id FROM mine ORDER BY pos DESC, id DESC LIMIT 1)::text AS last_id,
            (SELECT count(*) FROM mine)::text AS n`,
    [DATA_TABLES],
  );
  const r = rows[0];
  if (!r || r.first_pos === null || r.first_id === null || r.last_pos === null || r.last_id === null) return null;
  return { after: encodeChangeCursor({ pos: r.first_pos, id: r.first_id }), last: encodeChangeCursor({ pos: r.last_pos, id: r.last_id }), count: Number(r.n) };
}

/** Whether readers of /changes return the change at `cursor` now (its position is below the horizon). */
export async function isPositionVisible(db: Queryable, cursor: string): Promise<boolean> {
  const p = decodeChangeCursor(cursor, 'cursor');
  const { rows } = await db.query<{ visible: boolean }>('SELECT $1::xid8 < pg_snapshot_xmin(pg_current_snapshot()) AS visible', [p.pos]);
  return rows[0]!.visible;
}
