/**
 * Purging a removed connection's data (`DELETE /connections/:id?purge=true`): its waiting outbox
 * and sync jobs, its unified rows (the revenue rollup follows through its triggers, in the same
 * transaction), raw payloads, record hashes and cursors. Runs are kept as history.
 *
 * Order matters: the jobs go first. A processor batch holding some of them (row locks) makes
 * this statement wait for it to commit, so the rows that batch writes are committed before the
 * unified rows are deleted, and each later statement (a fresh snapshot under READ COMMITTED)
 * sees and deletes them. A sync of the connection still running stops at its next page
 * (writePage checks the connection exists, under a key-share lock this delete waits for).
 */
import type { PoolClient } from '../db/index.ts';
import { discardJobs } from '../queue/index.ts';
import { INGEST_QUEUE, SYNC_QUEUE } from './types.ts';

const TABLES = ['payments', 'contacts', 'calendar_events', 'campaigns', 'raw_records', 'ingest_record_hashes', 'sync_cursors'] as const;

/** Rows deleted per table, and jobs dropped. */
export type PurgedCounts = Record<(typeof TABLES)[number] | 'jobs', number>;

/** Inside the transaction that deletes the connection: delete everything it synced. */
export async function purgeConnectionData(tx: PoolClient, connectionId: string): Promise<PurgedCounts> {
  const jobs = (await discardJobs(tx, INGEST_QUEUE, 'connectionId', connectionId)) + (await discardJobs(tx, SYNC_QUEUE, 'connectionId', connectionId));
  const counts = { jobs } as PurgedCounts;
  for (const table of TABLES) {
    const res = await tx.query(`DELETE FROM ${table} WHERE connection_id = $1`, [connectionId]);
    counts[table] = res.rowCount ?? 0;
  }
  return counts;
}
