/**
 * The sync_runs table: a run's lifecycle (queued → running → success|partial|failed, or
 * skipped) and its report. The producer is the only writer of a running run's row; the
 * processor's side of the report (records upserted / deleted / failed) is derived on read from
 * sync_run_tallies and the ingest DLQ, so the report keeps growing while the outbox drains.
 */
import type { SourceName } from '../config.ts';
import type { SyncMode } from '../connectors/index.ts';
import { storableText, type Queryable } from '../db/index.ts';
import { countOpenDeadLetters } from '../queue/index.ts';
import type { ConnectionScope } from '../connections/index.ts';
import type { CallStats } from '../resilience/index.ts';
import { announceRunEnds, ENDED_RUN_COLUMNS, type EndedRun } from './announceRunEnd.ts';
import { INGEST_QUEUE, type RunReport, type RunStatus } from './types.ts';

/** What the producer accumulates while a run goes (written as absolute values). */
export interface RunProgress {
  pagesFetched: number;
  recordsFetched: number;
  recordsEnqueued: number;
  recordsDeduped: number;
  recordsInvalid: number;
  recordsSanitized: number;
  cursorBefore: Record<string, string | null>;
  cursorAfter: Record<string, string | null>;
  unmapped: Record<string, number>;
  staleCursorDetected: boolean;
  fullBackfillTriggered: boolean;
  /** Sentences the connectors added (PageContext.note), in order. */
  notes: string[];
  stats: CallStats;
}

/** A fresh accumulator. */
export function newRunProgress(stats: CallStats): RunProgress {
  return {
    pagesFetched: 0, recordsFetched: 0, recordsEnqueued: 0, recordsDeduped: 0, recordsInvalid: 0, recordsSanitized: 0,
    cursorBefore: {}, cursorAfter: {}, unmapped: {}, staleCursorDetected: false, fullBackfillTriggered: false, notes: [], stats,
  };
}

/** Insert a run row; returns its id. */
export async function insertRun(
  db: Queryable,
  run: ConnectionScope & { entity: string; mode: SyncMode; status: RunStatus; trigger: string; reason?: string; id?: string },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO sync_runs (id, source, connection_id, entity, mode, status, trigger, reason, started_at, finished_at)
     VALUES (COALESCE($1::uuid, gen_random_uuid()), $2, $8, $3, $4, $5, $6, $7,
             CASE WHEN $5 IN ('running', 'skipped') THEN now() END, CASE WHEN $5 = 'skipped' THEN now() END)
     RETURNING id`,
    [run.id ?? null, run.source, run.entity, run.mode, run.status, run.trigger, run.reason === undefined ? null : storableText(run.reason), run.connectionId],
  );
  return rows[0]!.id;
}

/**
 * The status of a run and who asked for it (the label it was accepted with: a worker running
 * an accepted run logs this one, so the log and GET /runs agree), or null when there is none.
 */
export async function runState(db: Queryable, runId: string): Promise<{ status: RunStatus; trigger: string } | null> {
  const { rows } = await db.query<{ status: RunStatus; trigger: string }>('SELECT status, trigger FROM sync_runs WHERE id = $1', [runId]);
  return rows[0] ?? null;
}

/** Mark a queued (or orphaned running) run as running now; false if it already ended. */
export async function markRunStarted(db: Queryable, runId: string): Promise<boolean> {
  const res = await db.query(
    `UPDATE sync_runs SET status = 'running', started_at = now(), finished_at = NULL, error = NULL
     WHERE id = $1 AND status IN ('queued', 'running')`,
    [runId],
  );
  return res.rowCount === 1;
}

/** End a queued run as skipped with a reason (a running one belongs to whoever runs it). */
export async function markRunSkipped(db: Queryable, runId: string, reason: string): Promise<void> {
  await db.query(
    `UPDATE sync_runs SET status = 'skipped', reason = $2, started_at = COALESCE(started_at, now()), finished_at = now()
     WHERE id = $1 AND status = 'queued'`,
    [runId, storableText(reason)],
  );
}

/**
 * Runs left 'running' by a process that died. Called by a run that holds the lease of
 * `entities`: any other running run over those streams lost its lease (it expired), so it is
 * dead or can no longer commit a page. Run it in a transaction: it emits their sync.failed.
 */
export async function failAbandonedRuns(tx: Queryable, scope: ConnectionScope, entities: string[], exceptRunId: string): Promise<number> {
  const { rows } = await tx.query<EndedRun>(
    `UPDATE sync_runs SET status = 'failed', finished_at = now(),
       error = 'abandoned: the process running it stopped before it finished'
     WHERE connection_id = $1 AND status = 'running' AND id <> $3 AND (entity = '*' OR entity = ANY($2::text[]))
     RETURNING ${ENDED_RUN_COLUMNS}`,
    [scope.connectionId, entities, exceptRunId],
  );
  await announceRunEnds(tx, rows);
  return rows.length;
}

/** The id of a running run of the connection other than `exceptRunId` (for skip reasons). */
export async function activeRunOf(db: Queryable, scope: ConnectionScope, exceptRunId: string): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM sync_runs WHERE connection_id = $1 AND status = 'running' AND id <> $2 ORDER BY started_at DESC LIMIT 1`,
    [scope.connectionId, exceptRunId],
  );
  return rows[0]?.id ?? null;
}

const PROGRESS_SET = `pages_fetched = $2, records_fetched = $3, records_enqueued = $4, records_deduped = $5, records_invalid = $6,
  cursor_before = $7::jsonb, cursor_after = $8::jsonb, unmapped_statuses = $9::jsonb,
  stale_cursor_detected = $10, full_backfill_triggered = $11, retries_by_cause = $12::jsonb,
  rate_limit_waits = $13, rate_limit_wait_ms = $14, token_refreshes = $15, records_sanitized = $16, notes = $17::jsonb`;

function progressParams(runId: string, p: RunProgress): unknown[] {
  return [
    runId, p.pagesFetched, p.recordsFetched, p.recordsEnqueued, p.recordsDeduped, p.recordsInvalid,
    JSON.stringify(p.cursorBefore), JSON.stringify(p.cursorAfter), JSON.stringify(p.unmapped),
    p.staleCursorDetected, p.fullBackfillTriggered, JSON.stringify(p.stats.retries),
    p.stats.rateLimitWaits, Math.round(p.stats.rateLimitWaitMs), p.stats.tokenRefreshes, p.recordsSanitized, JSON.stringify(p.notes),
  ];
}

/** Write the report so far (inside each page's transaction, so it matches what was committed). */
export async function saveRunProgress(db: Queryable, runId: string, p: RunProgress): Promise<void> {
  await db.query(`UPDATE sync_runs SET ${PROGRESS_SET} WHERE id = $1`, progressParams(runId, p));
}

/**
 * End a run with its final report, and emit its sync.completed / sync.failed in the same
 * transaction (`tx`: the caller's transaction, so the event commits with the end or not at all).
 */
export async function finishRun(tx: Queryable, runId: string, p: RunProgress, status: 'success' | 'partial' | 'failed', error: string | null): Promise<void> {
  const { rows } = await tx.query<EndedRun>(
    `UPDATE sync_runs SET ${PROGRESS_SET}, status = $18, error = $19, finished_at = now() WHERE id = $1 RETURNING ${ENDED_RUN_COLUMNS}`,
    [...progressParams(runId, p), status, error === null ? null : storableText(error)],
  );
  await announceRunEnds(tx, rows);
}

/** A sync_runs row with the processor's side of the report (as {@link toReport} reads it). */
export interface RunRow {
  id: string;
  source: SourceName;
  connection_id: string;
  entity: string;
  mode: SyncMode;
  status: RunStatus;
  trigger: string;
  reason: string | null;
  started_at: Date | null;
  finished_at: Date | null;
  cursor_before: Record<string, string | null>;
  cursor_after: Record<string, string | null>;
  pages_fetched: number;
  records_fetched: number;
  records_enqueued: number;
  records_deduped: number;
  records_invalid: number;
  records_sanitized: number;
  retries_by_cause: Record<string, number>;
  rate_limit_waits: number;
  rate_limit_wait_ms: string;
  token_refreshes: number;
  unmapped_statuses: Record<string, number>;
  stale_cursor_detected: boolean;
  full_backfill_triggered: boolean;
  notes: string[];
  error: string | null;
  created_at: Date;
  records_upserted: string;
  records_deleted: string;
  records_failed: number;
}

/** SQL: the processor's tallies of the sync_runs row aliased `alias` (records_upserted, records_deleted). */
export function tallyColumns(alias: string): string {
  return `COALESCE((SELECT sum(t.records_upserted) FROM sync_run_tallies t WHERE t.run_id = ${alias}.id), 0)::bigint AS records_upserted,
  COALESCE((SELECT sum(t.records_deleted) FROM sync_run_tallies t WHERE t.run_id = ${alias}.id), 0)::bigint AS records_deleted`;
}

/** Per run, its records in the ingest DLQ not replayed (matched by the runId every outbox payload carries). */
export async function failedRecordCounts(db: Queryable, runIds: readonly string[]): Promise<Map<string, number>> {
  return countOpenDeadLetters(db, { queues: [INGEST_QUEUE], keyFields: ['runId'], keys: runIds });
}

/** Rows read with {@link tallyColumns}, completed with the processor's failed records: what {@link toReport} reads. */
export async function withFailedRecords(db: Queryable, rows: ReadonlyArray<Omit<RunRow, 'records_failed'>>): Promise<RunRow[]> {
  const failed = await failedRecordCounts(db, rows.map((r) => r.id));
  return rows.map((r) => ({ ...r, records_failed: failed.get(r.id) ?? 0 }));
}

const REPORT_COLUMNS = `r.*, ${tallyColumns('r')}`;

/** One run's report, or null. */
export async function getRun(db: Queryable, runId: string): Promise<RunReport | null> {
  const { rows } = await db.query<Omit<RunRow, 'records_failed'>>(`SELECT ${REPORT_COLUMNS} FROM sync_runs r WHERE r.id = $1`, [runId]);
  const [row] = await withFailedRecords(db, rows);
  return row ? toReport(row) : null;
}

/** Filters of {@link listRuns}. */
export interface ListRunsOptions {
  source?: SourceName;
  connectionId?: string;
  status?: RunStatus;
  limit?: number;
  offset?: number;
}

/** Runs newest first, with the total matching the filters. */
export async function listRuns(db: Queryable, opts: ListRunsOptions = {}): Promise<{ runs: RunReport[]; total: number }> {
  const limit = Math.min(500, Math.max(1, opts.limit ?? 50));
  const params = [opts.source ?? null, opts.status ?? null, opts.connectionId ?? null];
  const where = `($1::text IS NULL OR r.source = $1) AND ($2::text IS NULL OR r.status = $2) AND ($3::text IS NULL OR r.connection_id = $3)`;
  const [page, count] = await Promise.all([
    db.query<Omit<RunRow, 'records_failed'>>(`SELECT ${REPORT_COLUMNS} FROM sync_runs r WHERE ${where} ORDER BY r.created_at DESC, r.id LIMIT $4 OFFSET $5`, [...params, limit, opts.offset ?? 0]),
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sync_runs r WHERE ${where}`, params),
  ]);
  return { runs: (await withFailedRecords(db, page.rows)).map(toReport), total: count.rows[0]?.n ?? 0 };
}

/** Per source, from its runs: when the last completed one finished, the last run's status, and how the last finished run ended. */
export interface LastSync {
  source: SourceName;
  /** When the last run that completed (success or partial) finished. */
  lastSuccessAt: Date | null;
  /** Status of the last run that was not skipped (may still be queued or running). */
  lastStatus: RunStatus | null;
  lastRunAt: Date | null;
  /** Status and error of the last run that ended (success, partial or failed). */
  lastFinished: { status: RunStatus; error: string | null } | null;
}

/** What a reconciliation needs to know about a connection's syncs (see {@link syncActivity}). */
export interface SyncActivity {
  /** When its last completed run (success or partial) finished; null: none has. */
  lastSuccessAt: Date | null;
  /** A run is running now, or one that ran (not skipped) ended at or after `since`: it may have written rows meanwhile. */
  busy: boolean;
}

/** A connection's {@link SyncActivity}; `since` null asks only whether a run is running now. */
export async function syncActivity(db: Queryable, connectionId: string, since: Date | null = null): Promise<SyncActivity> {
  // A queued run has written nothing yet: if it starts before a reconciliation ends, it is running or ended by then.
  const { rows } = await db.query<{ last_success_at: Date | null; busy: boolean }>(
    `SELECT (SELECT max(finished_at) FROM sync_runs WHERE connection_id = $1 AND status IN ('success', 'partial')) AS last_success_at,
            EXISTS (SELECT 1 FROM sync_runs WHERE connection_id = $1
                     AND (status = 'running' OR (status <> 'skipped' AND finished_at >= $2::timestamptz))) AS busy`,
    [connectionId, since],
  );
  return { lastSuccessAt: rows[0]?.last_success_at ?? null, busy: rows[0]?.busy ?? false };
}

/** {@link LastSync} of every source that has runs. */
export async function lastSyncs(db: Queryable): Promise<LastSync[]> {
  const { rows } = await db.query<{
    source: SourceName; last_success_at: Date | null; last_status: RunStatus | null; last_run_at: Date | null; finished_status: RunStatus | null; finished_error: string | null;
  }>(
    `SELECT s.source,
       (SELECT max(finished_at) FROM sync_runs r WHERE r.source = s.source AND r.status IN ('success', 'partial')) AS last_success_at,
       l.status AS last_status, l.created_at AS last_run_at, f.status AS finished_status, f.error AS finished_error
     FROM (SELECT DISTINCT source FROM sync_runs) s
     LEFT JOIN LATERAL (SELECT status, created_at FROM sync_runs r WHERE r.source = s.source AND r.status <> 'skipped'
                        ORDER BY created_at DESC LIMIT 1) l ON true
     LEFT JOIN LATERAL (SELECT status, error FROM sync_runs r WHERE r.source = s.source AND r.status IN ('success', 'partial', 'failed')
                        ORDER BY created_at DESC LIMIT 1) f ON true`,
  );
  return rows.map((r) => ({
    source: r.source,
    lastSuccessAt: r.last_success_at,
    lastStatus: r.last_status,
    lastRunAt: r.last_run_at,
    lastFinished: r.finished_status ? { status: r.finished_status, error: r.finished_error } : null,
  }));
}

/** Row → report. A finished run whose records later died in the DLQ reads as partial. */
export function toReport(r: RunRow): RunReport {
  const status: RunStatus = r.status === 'success' && r.records_failed > 0 ? 'partial' : r.status;
  return {
    runId: r.id,
    source: r.source,
    connectionId: r.connection_id,
    entity: r.entity,
    mode: r.mode,
    status,
    trigger: r.trigger,
    reason: r.reason,
    startedAt: r.started_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null,
    cursorBefore: r.cursor_before,
    cursorAfter: r.cursor_after,
    pagesFetched: r.pages_fetched,
    recordsFetched: r.records_fetched,
    recordsEnqueued: r.records_enqueued,
    recordsDeduped: r.records_deduped,
    recordsUpserted: Number(r.records_upserted),
    recordsDeleted: Number(r.records_deleted),
    recordsFailed: r.records_failed,
    recordsInvalid: r.records_invalid,
    recordsSanitized: r.records_sanitized,
    retriesByCause: r.retries_by_cause,
    rateLimitWaits: r.rate_limit_waits,
    rateLimitWaitMs: Number(r.rate_limit_wait_ms),
    tokenRefreshes: r.token_refreshes,
    unmappedStatuses: r.unmapped_statuses,
    staleCursorDetected: r.stale_cursor_detected,
    fullBackfillTriggered: r.full_backfill_triggered,
    notes: r.notes,
    error: r.error,
    createdAt: r.created_at.toISOString(),
  };
}

/**
 * End a running run as failed (when the producer itself could not go on, e.g. the database
 * stayed down), emitting its sync.failed in the same transaction (`tx`).
 */
export async function markRunFailed(tx: Queryable, runId: string, error: string): Promise<void> {
  // The message may quote upstream content (an error body): made storable, or the run could never be ended.
  const { rows } = await tx.query<EndedRun>(
    `UPDATE sync_runs SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 AND status = 'running' RETURNING ${ENDED_RUN_COLUMNS}`,
    [runId, storableText(error)],
  );
  await announceRunEnds(tx, rows);
}
