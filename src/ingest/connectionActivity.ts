/**
 * Per connection, what its syncs have been doing: its newest run (with the processor's side of
 * the report), the errors of its last failed runs, and its dead letters not replayed. One round
 * of three queries for any number of connections, so a list of 1,000 is not 1,000 round trips.
 * The connections API and the operator views get it through the composition root (connections
 * cannot import ingest).
 */
import type { Queryable } from '../db/index.ts';
import { SOURCES } from '../config.ts';
import { defaultConnectionId, noActivity, type ConnectionActivity, type DescribeActivityOptions } from '../connections/index.ts';
import { countOpenDeadLetters } from '../queue/index.ts';
import { tallyColumns, toReport, withFailedRecords, type RunRow } from './runs.ts';
import { INGEST_QUEUE, SYNC_QUEUE } from './types.ts';

// The newest run that was not skipped (a skip only says another run was busy), per connection
// (index sync_runs_connection_created), with the processor's side of its report.
const LAST_RUNS_SQL = `
SELECT r.*, ${tallyColumns('r')} FROM unnest($1::text[]) AS c(id)
CROSS JOIN LATERAL (SELECT * FROM sync_runs s WHERE s.connection_id = c.id AND s.status <> 'skipped'
                    ORDER BY s.created_at DESC, s.id LIMIT 1) r`;

const RECENT_ERRORS_SQL = `
SELECT c.id AS connection_id, e.id AS run_id, e.error, e.finished_at FROM unnest($1::text[]) AS c(id)
CROSS JOIN LATERAL (SELECT id, error, finished_at, created_at FROM sync_runs s WHERE s.connection_id = c.id AND s.status = 'failed'
                    ORDER BY s.created_at DESC, s.id LIMIT $2) e
ORDER BY c.id, e.created_at DESC, e.id`;

/** The activity of each connection in `ids` (every id has an entry; unknown ones have none to show). */
export async function connectionActivity(db: Queryable, ids: string[], opts: DescribeActivityOptions = {}): Promise<Map<string, ConnectionActivity>> {
  const result = new Map<string, ConnectionActivity>(ids.map((id) => [id, noActivity()]));
  if (ids.length === 0) return result;
  const errorsPer = Math.max(0, Math.floor(opts.recentErrors ?? 0));
  // A job that predates connections carries no connectionId: it belongs to its source's default.
  const legacy = new Map(SOURCES.filter((s) => ids.includes(defaultConnectionId(s))).map((s) => [s as string, defaultConnectionId(s)]));
  const [last, errors, dead] = await Promise.all([
    db.query<Omit<RunRow, 'records_failed'>>(LAST_RUNS_SQL, [ids]).then((r) => withFailedRecords(db, r.rows)),
    errorsPer > 0 ? db.query<{ connection_id: string; run_id: string; error: string | null; finished_at: Date | null }>(RECENT_ERRORS_SQL, [ids, errorsPer]) : Promise.resolve({ rows: [] }),
    countOpenDeadLetters(db, { queues: [INGEST_QUEUE, SYNC_QUEUE], keyFields: ['connectionId', 'source'], keys: [...ids, ...legacy.keys()] }),
  ]);
  for (const row of last) {
    // toReport reads a success whose records later died in the DLQ as partial, like GET /runs.
    const r = toReport(row);
    result.get(r.connectionId)!.lastRun = {
      runId: r.runId, status: r.status, mode: r.mode, trigger: r.trigger, createdAt: r.createdAt, startedAt: r.startedAt, finishedAt: r.finishedAt,
      recordsFetched: r.recordsFetched, recordsUpserted: r.recordsUpserted, recordsFailed: r.recordsFailed, error: r.error,
    };
  }
  for (const e of errors.rows) result.get(e.connection_id)?.recentErrors.push({ runId: e.run_id, finishedAt: e.finished_at?.toISOString() ?? null, error: e.error });
  for (const [key, n] of dead) {
    const entry = result.get(legacy.get(key) ?? key);
    if (entry) entry.deadLetters += n;
  }
  return result;
}
