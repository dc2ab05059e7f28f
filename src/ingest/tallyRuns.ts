/** The processor's side of run reports: records upserted and deleted per run (sync_run_tallies). */
import type { Queryable } from '../db/index.ts';

/** Add upserted (and deleted) counts per run id, inside the transaction that acks the jobs. */
export async function tallyRuns(db: Queryable, upsertedByRun: ReadonlyMap<string, number>, deletedByRun: ReadonlyMap<string, number> = new Map()): Promise<void> {
  const ids = [...new Set([...upsertedByRun.keys(), ...deletedByRun.keys()])].sort();
  if (ids.length === 0) return;
  // Slot = this connection's backend pid: concurrent processors add to different rows.
  await db.query(
    `INSERT INTO sync_run_tallies (run_id, slot, records_upserted, records_deleted)
     SELECT u.run_id, pg_backend_pid() % 64, u.n, u.d
     FROM unnest($1::uuid[], $2::bigint[], $3::bigint[]) AS u(run_id, n, d)
     JOIN sync_runs r ON r.id = u.run_id
     ORDER BY u.run_id
     ON CONFLICT (run_id, slot) DO UPDATE SET records_upserted = sync_run_tallies.records_upserted + excluded.records_upserted,
       records_deleted = sync_run_tallies.records_deleted + excluded.records_deleted`,
    [ids, ids.map((id) => upsertedByRun.get(id) ?? 0), ids.map((id) => deletedByRun.get(id) ?? 0)],
  );
}
