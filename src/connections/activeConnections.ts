/** The connections the scheduler syncs: every active one, with its own interval when it has one. */
import type { SourceName } from '../config.ts';
import type { Queryable } from '../db/index.ts';

/** A connection due for scheduled syncs. */
export interface ActiveConnection {
  id: string;
  provider: SourceName;
  /** Its own sync interval; null: the configured SYNC_INTERVAL_MS. */
  syncIntervalMs: number | null;
}

/** Every active connection, default ones included, in id order. */
export async function activeConnections(db: Queryable): Promise<ActiveConnection[]> {
  const { rows } = await db.query<{ id: string; provider: SourceName; sync_interval_ms: number | null }>(
    `SELECT id, provider, sync_interval_ms FROM connections WHERE status = 'active' ORDER BY id`,
  );
  return rows.map((r) => ({ id: r.id, provider: r.provider, syncIntervalMs: r.sync_interval_ms }));
}
