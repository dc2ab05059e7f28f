/**
 * One page of the change feed of one table, after a cursor. Only changes below the horizon
 * (the oldest transaction still running, pg_snapshot_xmin) are returned: every change below it
 * is committed or rolled back for good, and every change committed later sorts after it, so a
 * consumer following `nextCursor` never misses a change and never sees a rolled-back one
 * (docs/changes.md has the argument). The horizon, the pruned watermark and the page come
 * from one statement, i.e. one snapshot.
 */
import type { Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { toDataRow, type DataTable } from '../ingest/index.ts';
import { comparePositions, decodeChangeCursor, encodeChangeCursor, FEED_START, invalidChangeCursor, wasIssuable, type ChangePosition } from './changeCursor.ts';

/** What a change did to its record. */
export type ChangeAction = 'ADDED' | 'UPDATED' | 'DELETED';

/** One change: the record as it was at that version (a purge tombstone carries only its identity). */
export interface Change {
  action: ChangeAction;
  table: DataTable;
  record: Record<string, unknown>;
  changedAt: string;
}

/** Query of {@link readChanges}. */
export interface ChangesQuery {
  table: DataTable;
  after?: string | undefined;
  limit: number;
  source?: string | undefined;
  connectionId?: string | undefined;
}

/** A page and the cursor to resume from (always set). */
export interface ChangesPage {
  changes: Change[];
  nextCursor: string;
}

// `table` is interpolated from the fixed DataTable list only, never from input.
const pageSql = (table: DataTable) => `
WITH h AS MATERIALIZED (
  SELECT pg_snapshot_xmin(pg_current_snapshot()) AS horizon, w.pos AS pruned_pos, w.id AS pruned_id,
         pg_snapshot_xmax(pg_current_snapshot()) AS issued_pos,
         COALESCE(pg_sequence_last_value(pg_get_serial_sequence('changes', 'id')::regclass), 0) AS issued_id
  FROM (SELECT 1) one LEFT JOIN changes_pruned w ON true)
SELECT h.horizon::text AS feed_horizon, h.pruned_pos::text AS feed_pruned_pos, h.pruned_id::text AS feed_pruned_id,
       h.issued_pos::text AS feed_issued_pos, h.issued_id::text AS feed_issued_id, p.*
FROM h LEFT JOIN LATERAL (
  SELECT c.pos AS feed_pos, c.id AS feed_id, c.action AS feed_action, c.changed_at AS feed_changed_at, c.record ? 'created_at' AS feed_complete, r.*
  FROM changes c CROSS JOIN LATERAL jsonb_populate_record(NULL::${table}, c.record) r
  WHERE c.table_name = '${table}' AND (c.pos, c.id) > ($1::xid8, $2::bigint) AND c.pos < h.horizon
    AND ($3::text IS NULL OR c.source = $3) AND ($4::text IS NULL OR c.connection_id = $4)
  ORDER BY c.pos, c.id
  LIMIT $5
) p ON true
ORDER BY p.feed_pos, p.feed_id`;

type PageRow = Record<string, unknown> & {
  feed_horizon: string;
  feed_pruned_pos: string | null;
  feed_pruned_id: string | null;
  feed_issued_pos: string;
  feed_issued_id: string;
  feed_pos: string | null;
  feed_id: string | null;
  feed_action: ChangeAction;
  feed_changed_at: Date;
  feed_complete: boolean;
};

/** Read a page; 400 on a cursor we did not issue, 410 `cursor_expired` when history it needs was pruned. */
export async function readChanges(db: Queryable, q: ChangesQuery): Promise<ChangesPage> {
  const given = q.after === undefined ? null : decodeChangeCursor(q.after);
  const after = given ?? FEED_START;
  const { rows } = await db.query<PageRow>(pageSql(q.table), [after.pos, after.id, q.source ?? null, q.connectionId ?? null, q.limit]);
  const head = rows[0]!;
  if (given !== null && !wasIssuable(given, { pos: head.feed_issued_pos, id: head.feed_issued_id })) {
    // Stored, it would skip every change up to where it points: refused rather than echoed back.
    throw invalidChangeCursor('after', 'past every position the feed has reached; pass a nextCursor or head cursor this API returned');
  }
  if (head.feed_pruned_pos !== null && head.feed_pruned_id !== null) {
    const pruned = { pos: head.feed_pruned_pos, id: head.feed_pruned_id };
    if (given === null || comparePositions(given, pruned) < 0) throw cursorExpired(given === null);
  }
  const found = rows.filter((r) => r.feed_pos !== null);
  const changes = found.map((r) => toChange(q.table, r));
  const last = found[found.length - 1];
  // A full page resumes after its last change; a short one returned everything below the
  // horizon, so it resumes there (past changes the filters left out, never to be rescanned).
  const horizon: ChangePosition = { pos: head.feed_horizon, id: '0' };
  const next = found.length === q.limit && last ? { pos: String(last.feed_pos), id: String(last.feed_id) } : comparePositions(horizon, after) > 0 ? horizon : after;
  return { changes, nextCursor: encodeChangeCursor(next) };
}

function toChange(table: DataTable, r: PageRow): Change {
  const record = r.feed_complete
    ? toDataRow(table, r)
    : { id: String(r.id), source: r.source, connectionId: r.connection_id, externalId: r.external_id };
  return { action: r.feed_action, table, record, changedAt: r.feed_changed_at.toISOString() };
}

/** How to start over when a cursor is older than the retained history. */
export const RESNAPSHOT_HINT =
  're-snapshot: take GET /changes/head, walk the data endpoint (e.g. GET /payments, following nextCursor to its end), then follow GET /changes from the head cursor';

function cursorExpired(noCursor: boolean): AppError {
  const why = noCursor ? 'the start of the feed was pruned (CHANGES_RETENTION_DAYS)' : 'changes after this cursor were pruned (CHANGES_RETENTION_DAYS)';
  return new AppError('cursor_expired', `after: ${why}; ${RESNAPSHOT_HINT}`, { details: { field: 'after', in: 'querystring' } });
}
