/**
 * The unified rows stored for one source, in the comparable form of ./compareRows.ts: every
 * compared column as text (timestamps as epoch milliseconds, numbers as decimal text). A
 * `deleted_at` column, where a table has one, is read too: a row deleted here is not `extra`.
 */
import type { ConnectionScope } from '../connections/index.ts';
import type { Queryable } from '../db/index.ts';
import { COMPARED, type ComparedTable, type Comparable } from './compareRows.ts';

/** One stored row: its table, id, compared fields, and whether it is marked deleted. */
export interface StoredRow {
  table: ComparedTable;
  externalId: string;
  fields: Comparable;
  deleted: boolean;
}

const asText = (col: string, kind: string) =>
  kind === 'time' ? `floor(extract(epoch FROM ${col}) * 1000)::bigint::text` : `${col}::text`;

/** Tables of the compared set that have a `deleted_at` column (added by the deletes work). */
async function tablesWithDeletedAt(db: Queryable): Promise<Set<string>> {
  const { rows } = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND column_name = 'deleted_at' AND table_name = ANY($1::text[])`,
    [Object.keys(COMPARED)],
  );
  return new Set(rows.map((r) => r.table_name));
}

/** Every stored row of one connection across the unified tables, keyed `table:externalId`. */
export async function loadStoredRows(db: Queryable, scope: ConnectionScope): Promise<Map<string, StoredRow>> {
  const withDeletedAt = await tablesWithDeletedAt(db);
  const out = new Map<string, StoredRow>();
  for (const [table, columns] of Object.entries(COMPARED) as Array<[ComparedTable, (typeof COMPARED)[ComparedTable]]>) {
    const deleted = withDeletedAt.has(table) ? 'deleted_at IS NOT NULL' : 'false';
    const select = columns.map((c) => `${asText(c.col, c.kind)} AS "${c.field}"`).join(', ');
    const { rows } = await db.query<Record<string, string | null> & { external_id: string; is_deleted: boolean }>(
      `SELECT external_id, ${deleted} AS is_deleted, ${select} FROM ${table} WHERE connection_id = $1`,
      [scope.connectionId],
    );
    for (const r of rows) {
      const fields: Comparable = {};
      for (const c of columns) fields[c.field] = r[c.field] ?? null;
      out.set(`${table}:${r.external_id}`, { table, externalId: r.external_id, fields, deleted: r.is_deleted });
    }
  }
  return out;
}
