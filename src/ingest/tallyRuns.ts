/** The processor's side of run reports: records upserted per run (sync_run_tallies). */
import type { Queryable } from '../db/index.ts';

/** Add upserted counts per run id, inside the transaction that acks the jobs. */
export async function tallyRuns(db: Queryable, upsertedByRun: ReadonlyMap<string, number>): Promise<void> {
  if (upsertedByRun.size === 0) return;
  const ids = [...upsertedByRun.keys()].sort();
  // Slot = this connection's backend pid: concurrent processors add to different rows.
  await db.query(
    `INSERT INTO sync_run_tallies (run_id, slot, records_upserted)
     SELECT u.run_id, pg_backend_pid() % 64, u.n
     FROM unnest($1::uuid[], $2::bigint[]) AS u(run_id, n)
     JOIN sync_runs r ON r.id = u.run_id
     ORDER BY u.run_id
     ON CONFLICT (run_id, slot) DO UPDATE SET records_upserted = sync_run_tallies.records_upserted + excluded.records_upserted`,
    [ids, ids.map((id) => upsertedByRun.get(id) ?? 0)],
  );
}
