/** The sync_cursors table: where each (connection, entity) stream resumes. */
import type { ConnectionScope } from '../connections/index.ts';
import type { Queryable } from '../db/index.ts';

/** Stored cursors of the connection's `entities` (null when none is stored). */
export async function readCursors(db: Queryable, scope: ConnectionScope, entities: string[]): Promise<Record<string, string | null>> {
  const { rows } = await db.query<{ entity: string; cursor: string | null }>(
    'SELECT entity, cursor FROM sync_cursors WHERE connection_id = $1 AND entity = ANY($2::text[])',
    [scope.connectionId, entities],
  );
  const out: Record<string, string | null> = Object.fromEntries(entities.map((e) => [e, null]));
  for (const r of rows) out[r.entity] = r.cursor;
  return out;
}

/** Store (or clear, with null) the cursor of one stream of the connection. */
export async function storeCursor(db: Queryable, scope: ConnectionScope, entity: string, cursor: string | null): Promise<void> {
  await db.query(
    `INSERT INTO sync_cursors (source, connection_id, entity, cursor, updated_at) VALUES ($1, $4, $2, $3, now())
     ON CONFLICT (connection_id, entity) DO UPDATE SET cursor = excluded.cursor, updated_at = now()`,
    [scope.source, entity, cursor, scope.connectionId],
  );
}
