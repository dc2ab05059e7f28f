/** The sync_cursors table: where each (source, entity) stream resumes. */
import type { Queryable } from '../db/index.ts';

/** Stored cursors of `entities` (null when none is stored). */
export async function readCursors(db: Queryable, source: string, entities: string[]): Promise<Record<string, string | null>> {
  const { rows } = await db.query<{ entity: string; cursor: string | null }>(
    'SELECT entity, cursor FROM sync_cursors WHERE source = $1 AND entity = ANY($2::text[])',
    [source, entities],
  );
  const out: Record<string, string | null> = Object.fromEntries(entities.map((e) => [e, null]));
  for (const r of rows) out[r.entity] = r.cursor;
  return out;
}

/** Store (or clear, with null) the cursor of one stream. */
export async function storeCursor(db: Queryable, source: string, entity: string, cursor: string | null): Promise<void> {
  await db.query(
    `INSERT INTO sync_cursors (source, entity, cursor, updated_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (source, entity) DO UPDATE SET cursor = excluded.cursor, updated_at = now()`,
    [source, entity, cursor],
  );
}
