/** Adding jobs, inside the caller's transaction so business writes and their jobs commit together. */
import type { Queryable } from '../db/index.ts';

/** The LISTEN/NOTIFY channel; the payload is the queue name. */
export const NOTIFY_CHANNEL = 'buffalo_jobs';

/** Per-job options of {@link enqueue}. */
export interface EnqueueOptions {
  /** Skip the insert while a job with the same key is still outstanding in this queue. */
  dedupeKey?: string;
  /** Not before this time (default now). */
  runAt?: Date;
  /** Attempts before the DLQ (default 5). */
  maxAttempts?: number;
  /**
   * The fairness group (the ingest outbox passes the connection): a batch claim takes a bounded
   * slice from every group with ready jobs, so one group's backlog cannot hold the others back.
   * Jobs without a group (or with '') share one group.
   */
  group?: string;
  /**
   * false: no NOTIFY in the transaction; the caller wakes the consumers after its commit with
   * {@link announceJobs} (coalesced, so a busy producer does not take PostgreSQL's global notify
   * lock in every commit). Consumers still poll, so a crash between commit and announce only
   * delays the job by one poll interval. Default true.
   */
  notify?: boolean;
}

/** One item of {@link enqueueMany}. */
export interface EnqueueItem extends EnqueueOptions {
  payload: unknown;
}

// The NOTIFY rides in the same statement as the INSERT (only when a row went in), so it is
// delivered exactly when the caller's transaction commits and never for a rolled-back one.
// The quiet form leaves the wake-up to the caller (announceJobs after commit).
function enqueueSql(notify: boolean): string {
  return `
WITH ins AS (
  INSERT INTO jobs (queue, payload, dedupe_key, run_at, max_attempts, group_key)
  VALUES ($1, $2::jsonb, $3, COALESCE($4::timestamptz, now()), COALESCE($5::int, 5), NULLIF($6::text, ''))
  ON CONFLICT (queue, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
  RETURNING id
)
SELECT id, true AS inserted${notify ? `, pg_notify('${NOTIFY_CHANNEL}', $1)::text AS notified` : ''} FROM ins
UNION ALL
SELECT id, false${notify ? ', NULL' : ''} FROM jobs
WHERE $3::text IS NOT NULL AND queue = $1 AND dedupe_key = $3 AND NOT EXISTS (SELECT 1 FROM ins)`;
}
const ENQUEUE_SQL = enqueueSql(true);
const ENQUEUE_QUIET_SQL = enqueueSql(false);

/**
 * The statement and parameters {@link enqueue} sends (the orders bench replays them through
 * pgbench). Named: each connection parses and plans it once, not on every enqueue.
 */
export function enqueueStatement(queue: string, payload: unknown, opts: EnqueueOptions = {}): { name: string; text: string; values: unknown[] } {
  const quiet = opts.notify === false;
  return {
    name: quiet ? 'buffalo_enqueue_quiet' : 'buffalo_enqueue',
    text: quiet ? ENQUEUE_QUIET_SQL : ENQUEUE_SQL,
    values: [queue, JSON.stringify(payload ?? null), opts.dedupeKey ?? null, opts.runAt ?? null, opts.maxAttempts ?? null, opts.group ?? null],
  };
}

/**
 * Enqueue one job in the caller's transaction (`db` = the transaction's client, or the pool
 * for a standalone insert). When `dedupeKey` matches an outstanding job nothing is inserted:
 * `inserted` is false and `id` is that job's id (null if it finished in the meantime).
 */
export async function enqueue(db: Queryable, queue: string, payload: unknown, opts: EnqueueOptions = {}): Promise<{ id: string | null; inserted: boolean }> {
  const { rows } = await db.query<{ id: string; inserted: boolean }>(enqueueStatement(queue, payload, opts));
  const row = rows[0];
  return row ? { id: row.id, inserted: row.inserted } : { id: null, inserted: false };
}

// One statement for the whole batch: the items travel as one JSON array and are expanded
// server-side; duplicates inside the batch are skipped like duplicates of existing jobs.
const ENQUEUE_MANY_SQL = `
WITH input AS (
  SELECT * FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (payload jsonb, dedupe_key text, run_at timestamptz, max_attempts int, group_key text))
    WITH ORDINALITY AS t(payload, dedupe_key, run_at, max_attempts, group_key, ord)
), ins AS (
  INSERT INTO jobs (queue, payload, dedupe_key, run_at, max_attempts, group_key)
  SELECT $1, COALESCE(payload, 'null'::jsonb), dedupe_key, COALESCE(run_at, now()), COALESCE(max_attempts, 5), NULLIF(group_key, '')
  FROM input ORDER BY ord
  ON CONFLICT (queue, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
  RETURNING 1
)
SELECT c.n::int AS inserted, CASE WHEN c.n > 0 THEN pg_notify('${NOTIFY_CHANNEL}', $1)::text END AS notified
FROM (SELECT count(*) AS n FROM ins) c`;

/** Enqueue many jobs in one statement inside the caller's transaction; reports inserted vs skipped (dedupe). */
export async function enqueueMany(db: Queryable, queue: string, items: readonly EnqueueItem[]): Promise<{ inserted: number; skipped: number }> {
  if (items.length === 0) return { inserted: 0, skipped: 0 };
  const json = JSON.stringify(
    items.map((i) => ({ payload: i.payload ?? null, dedupe_key: i.dedupeKey ?? null, run_at: i.runAt?.toISOString() ?? null, max_attempts: i.maxAttempts ?? null, group_key: i.group ?? null })),
  );
  const { rows } = await db.query<{ inserted: number }>(ENQUEUE_MANY_SQL, [queue, json]);
  const inserted = rows[0]?.inserted ?? 0;
  return { inserted, skipped: items.length - inserted };
}

/**
 * SQL reading a part of an outstanding job's stored payload inside the database (`jobIdSql`: an
 * expression giving the job id; `path`: the keys down to the part), so a consumer can store what
 * it already claimed without sending it back over the wire. Null when the job is gone.
 */
export function jobPayloadSql(jobIdSql: string, path: readonly string[]): string {
  const keys = path.map((k) => `'${k.replaceAll("'", "''")}'`).join(', ');
  return `(SELECT ${path.length ? `jsonb_extract_path(payload, ${keys})` : 'payload'} FROM jobs WHERE id = ${jobIdSql})`;
}
