/**
 * Positions of the feed for other modules and for re-snapshots: the head (where a consumer that
 * walks the data endpoints now resumes the feed), the range of changes the caller's own
 * transaction wrote (e.g. to announce them in a webhook after commit), and whether a position is
 * visible to readers yet.
 */
import type { Queryable } from '../db/index.ts';
import { DATA_TABLES, type DataTable } from '../ingest/index.ts';
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

/** The changes a transaction wrote to one table for one connection: `GET /changes?table=<table>&connectionId=<connectionId>&after=<after>` returns them, up to and including `last`. */
export interface ChangeRange {
  table: DataTable;
  connectionId: string;
  /** Cursor just before the first of them. */
  after: string;
  /** Cursor of the last of them. */
  last: string;
  /** Number of changes. */
  count: number;
}

/**
 * Inside a transaction, before it commits: the feed ranges its changes took so far, one per
 * (table, connection) (empty when it wrote none) — e.g. for a `records.changed` webhook event
 * emitted in the same transaction. Other transactions' changes can interleave in a range (a
 * consumer reading it with the table and connection filters skips those of other connections).
 * The changes become readable once {@link isPositionVisible} says so for `last`: after this
 * transaction and every older one still running ended.
 */
export async function changeRangesOfTransaction(tx: Queryable): Promise<ChangeRange[]> {
  // Every change of this transaction has pos ≥ its own id: the range scan starts there.
  const { rows } = await tx.query<{ table_name: DataTable; connection_id: string; n: number; first_pos: string; first_id: string; last_pos: string; last_id: string }>(
    `SELECT table_name, connection_id, count(*)::int AS n,
            (array_agg(pos::text ORDER BY pos, id))[1] AS first_pos, (array_agg((id - 1)::text ORDER BY pos, id))[1] AS first_id,
            (array_agg(pos::text ORDER BY pos DESC, id DESC))[1] AS last_pos, (array_agg(id::text ORDER BY pos DESC, id DESC))[1] AS last_id
     FROM changes
     WHERE table_name = ANY($1::text[]) AND xact = pg_current_xact_id_if_assigned() AND pos >= pg_current_xact_id_if_assigned()
     GROUP BY table_name, connection_id
     ORDER BY table_name, connection_id`,
    [DATA_TABLES],
  );
  return rows.map((r) => ({
    table: r.table_name,
    connectionId: r.connection_id,
    after: encodeChangeCursor({ pos: r.first_pos, id: r.first_id }),
    last: encodeChangeCursor({ pos: r.last_pos, id: r.last_id }),
    count: r.n,
  }));
}

/** Whether readers of /changes return the change at `cursor` now (its position is below the horizon). */
export async function isPositionVisible(db: Queryable, cursor: string): Promise<boolean> {
  const p = decodeChangeCursor(cursor, 'cursor');
  const { rows } = await db.query<{ visible: boolean }>('SELECT $1::xid8 < pg_snapshot_xmin(pg_current_snapshot()) AS visible', [p.pos]);
  return rows[0]!.visible;
}
