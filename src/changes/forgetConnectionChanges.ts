/**
 * A connection purge removes that connection's data from the feed too: its changes written
 * before the purge (record snapshots) are deleted, and only the DELETED tombstones the purge's
 * own deletes wrote remain (identity fields only), so consumers learn the records are gone
 * without the feed keeping their contents. Runs inside the purging transaction, after the deletes.
 */
import type { PoolClient } from '../db/index.ts';

/** Delete the connection's earlier changes; returns how many. */
export async function forgetConnectionChanges(tx: PoolClient, connectionId: string): Promise<number> {
  // A purge is rare: a scan of the feed for one connection is fine (no index to keep per write).
  const res = await tx.query('DELETE FROM changes WHERE connection_id = $1 AND xact <> pg_current_xact_id()', [connectionId]);
  return res.rowCount ?? 0;
}
