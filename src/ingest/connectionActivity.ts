/**
 * Per connection, what its syncs have been doing: its newest run (with the processor's side of
 * the report), the errors of its last failed runs, and its dead letters not replayed. One round
 * of three queries for any number of connections, so a list of 1,000 is not 1,000 round trips.
 * The connections API and the operator views get it through the composition root (connections
 * cannot import ingest).
 */
import type { Queryable } from '../db/index.ts';
import { noActivity, type ConnectionActivity, type DescribeActivityOptions } from '../connections/index.ts';
import { toReport, type RunRow } from './runs.ts';
import { INGEST_QUEUE, SYNC_QUEUE } from './types.ts';

// The newest run that was not skipped (a skip only says another run was busy), per connection
// (index sync_runs_connection_created). Its dead letters are counted in one grouped pass over
// the DLQ rather than one scan per run, which is what the single-run report does.
const LAST_RUNS_SQL = `
WITH last AS (
  SELECT r.* FROM unnest($1::text[]) AS c(id)
  CROSS JOIN LATERAL (SELECT * FROM sync_runs s WHERE s.connection_id = c.id AND s.status <> 'skipped'
                      ORDER BY s.created_at DESC, s.id LIMIT 1) r
), dead AS (
  SELECT d.payload->>'runId' AS run_id, count(*)::int AS n FROM dead_letters d
   WHERE d.queue = '${INGEST_QUEUE}' AND d.replayed_at IS NULL AND d.payload->>'runId' IN (SELECT id::text FROM last)
   GROUP BY 1
)
SELECT l.*,
  COALESCE((SELECT sum(t.records_upserted) FROM sync_run_tallies t WHERE t.run_id = l.id), 0)::bigint AS records_upserted,
  COALESCE((SELECT sum(t.records_deleted) FROM sync_run_tallies t WHERE t.run_id = l.id), 0)::bigint AS records_deleted,
  COALESCE(dead.n, 0) AS records_failed
FROM last l LEFT JOIN dead ON dead.run_id = l.id::text`;

const RECENT_ERRORS_SQL = `
SELECT c.id AS connection_id, e.id AS run_id, e.error, e.finished_at FROM unnest($1::text[]) AS c(id)
CROSS JOIN LATERAL (SELECT id, error, finished_at, created_at FROM sync_runs s WHERE s.connection_id = c.id AND s.status = 'failed'
                    ORDER BY s.created_at DESC, s.id LIMIT $2) e
ORDER BY c.id, e.created_at DESC, e.id`;

// A job that predates connections carries no connectionId: it belongs to its source's default.
const DEAD_LETTERS_SQL = `
SELECT COALESCE(payload->>'connectionId', (payload->>'source') || '-default') AS connection_id, count(*)::int AS n
  FROM dead_letters
 WHERE queue IN ('${INGEST_QUEUE}', '${SYNC_QUEUE}') AND replayed_at IS NULL
   AND COALESCE(payload->>'connectionId', (payload->>'source') || '-default') = ANY($1::text[])
 GROUP BY 1`;

/** The activity of each connection in `ids` (every id has an entry; unknown ones have none to show). */
export async function connectionActivity(db: Queryable, ids: string[], opts: DescribeActivityOptions = {}): Promise<Map<string, ConnectionActivity>> {
  const result = new Map<string, ConnectionActivity>(ids.map((id) => [id, noActivity()]));
  if (ids.length === 0) return result;
  const errorsPer = Math.max(0, Math.floor(opts.recentErrors ?? 0));
  const [last, errors, dead] = await Promise.all([
    db.query<RunRow>(LAST_RUNS_SQL, [ids]),
    errorsPer > 0 ? db.query<{ connection_id: string; run_id: string; error: string | null; finished_at: Date | null }>(RECENT_ERRORS_SQL, [ids, errorsPer]) : Promise.resolve({ rows: [] }),
    db.query<{ connection_id: string; n: number }>(DEAD_LETTERS_SQL, [ids]),
  ]);
  for (const row of last.rows) {
    // toReport reads a success whose records later died in the DLQ as partial, like GET /runs.
    const r = toReport(row);
    result.get(r.connectionId)!.lastRun = {
      runId: r.runId, status: r.status, mode: r.mode, trigger: r.trigger, createdAt: r.createdAt, startedAt: r.startedAt, finishedAt: r.finishedAt,
      recordsFetched: r.recordsFetched, recordsUpserted: r.recordsUpserted, recordsFailed: r.recordsFailed, error: r.error,
    };
  }
  for (const e of errors.rows) result.get(e.connection_id)?.recentErrors.push({ runId: e.run_id, finishedAt: e.finished_at?.toISOString() ?? null, error: e.error });
  for (const d of dead.rows) {
    const entry = result.get(d.connection_id);
    if (entry) entry.deadLetters = d.n;
  }
  return result;
}
