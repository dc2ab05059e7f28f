/** Reading and replaying the dead-letter table. */
import { deleteInBatches, type Queryable } from '../db/index.ts';
import { describeError } from './classify.ts';
import { NOTIFY_CHANNEL } from './enqueue.ts';
import type { DeadReason } from './fail.ts';

/** One dead letter: the raw payload and the exact error that killed the job. */
export interface DeadLetter {
  id: string;
  queue: string;
  jobId: string;
  payload: unknown;
  dedupeKey: string | null;
  reason: DeadReason;
  error: { name: string; message: string; stack: string | null; details: unknown };
  attempts: number;
  maxAttempts: number;
  /** The dead letter this job was itself a replay of. */
  replayOf: string | null;
  jobCreatedAt: Date;
  failedAt: Date;
  replayedAt: Date | null;
}

/** Filters and page of {@link listDeadLetters}. */
export interface ListDeadLettersOptions {
  queue?: string;
  /** true: only replayed ones; false: only not yet replayed; absent: all. */
  replayed?: boolean;
  /** Page size, 1–500 (default 50). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /**
   * Only dead letters whose payload matches one of these: every field of a match equals the
   * payload's top-level field of that name (null: the payload lacks it). Lets a caller filter on
   * what its own payloads carry without the queue knowing their shape.
   */
  payloadMatches?: Array<Record<string, string | null>>;
}

/**
 * Dead letters of `queues` not replayed yet, counted per key: the payload's first present
 * top-level field of `keyFields` (e.g. `['connectionId', 'source']` counts jobs that predate
 * connections by their source), for keys in `keys` only. Callers count by what their own
 * payloads carry without reading the queue's table.
 */
export async function countOpenDeadLetters(db: Queryable, opts: { queues: readonly string[]; keyFields: readonly string[]; keys: readonly string[] }): Promise<Map<string, number>> {
  if (opts.keys.length === 0) return new Map();
  const { rows } = await db.query<{ key: string; n: number }>(
    `SELECT k.key, count(*)::int AS n
       FROM dead_letters d
      CROSS JOIN LATERAL (SELECT d.payload->>f AS key FROM unnest($2::text[]) WITH ORDINALITY AS u(f, i)
                           WHERE d.payload ? f ORDER BY i LIMIT 1) k
      WHERE d.queue = ANY($1::text[]) AND d.replayed_at IS NULL AND k.key = ANY($3::text[])
      GROUP BY k.key`,
    [opts.queues, opts.keyFields, opts.keys],
  );
  return new Map(rows.map((r) => [r.key, r.n]));
}

interface DeadLetterRow {
  id: string;
  queue: string;
  job_id: string;
  payload: unknown;
  dedupe_key: string | null;
  reason: DeadReason;
  error_name: string;
  error_message: string;
  error_stack: string | null;
  error_details: unknown;
  attempts: number;
  max_attempts: number;
  replay_of: string | null;
  job_created_at: Date;
  failed_at: Date;
  replayed_at: Date | null;
}

const ID = /^\d{1,18}$/;

// Keyset pagination newest first: `id < cursor` walks the primary key (or (queue, id)) and
// stays fast however deep the page, unlike OFFSET.
const LIST_SQL = `
SELECT * FROM dead_letters
WHERE ($1::text IS NULL OR queue = $1)
  AND ($2::bigint IS NULL OR id < $2)
  AND ($3::boolean IS NULL OR (replayed_at IS NOT NULL) = $3)
  AND ($5::jsonb IS NULL OR EXISTS (
        SELECT 1 FROM jsonb_array_elements($5::jsonb) AS alt(m)
         WHERE NOT EXISTS (SELECT 1 FROM jsonb_each_text(alt.m) AS f(key, value) WHERE (payload ->> f.key) IS DISTINCT FROM f.value)))
ORDER BY id DESC
LIMIT $4`;

/** Dead letters newest first, one keyset page at a time; `nextCursor` is null on the last page. */
export async function listDeadLetters(db: Queryable, opts: ListDeadLettersOptions = {}): Promise<{ items: DeadLetter[]; nextCursor: string | null }> {
  const limit = Math.min(500, Math.max(1, Math.floor(opts.limit ?? 50)));
  if (opts.cursor !== undefined && !ID.test(opts.cursor)) throw new RangeError(`invalid dead-letter cursor: ${opts.cursor}`);
  const { rows } = await db.query<DeadLetterRow>(LIST_SQL, [opts.queue ?? null, opts.cursor ?? null, opts.replayed ?? null, limit + 1, opts.payloadMatches ? JSON.stringify(opts.payloadMatches) : null]);
  const page = rows.slice(0, limit);
  return { items: page.map(toDeadLetter), nextCursor: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null };
}

// Marking and re-enqueueing happen in one statement. A concurrent second replay blocks on the
// row lock, then re-checks `replayed_at IS NULL` and matches nothing: replay is idempotent.
// The new job keeps the dedupe key and the fairness group; if an outstanding job already holds
// the key, that job carries the work and no second one is made (job_id null).
const REPLAY_SQL = `
WITH target AS (
  SELECT id FROM dead_letters WHERE id = $1
), d AS (
  UPDATE dead_letters SET replayed_at = now()
  WHERE id = $1 AND replayed_at IS NULL
  RETURNING id, queue, payload, dedupe_key, max_attempts, group_key
), ins AS (
  INSERT INTO jobs (queue, payload, dedupe_key, max_attempts, replay_of, group_key)
  SELECT queue, payload, dedupe_key, max_attempts, id, group_key FROM d
  ON CONFLICT (queue, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
  RETURNING id, queue
)
SELECT (SELECT count(*) FROM target)::int AS found,
       (SELECT count(*) FROM d)::int AS replayed,
       (SELECT id FROM ins) AS job_id,
       (SELECT pg_notify('${NOTIFY_CHANNEL}', queue)::text FROM ins) AS notified`;

/** Outcome of {@link replayDeadLetter}. */
export interface ReplayResult {
  /** True only for the call that actually replayed it. */
  replayed: boolean;
  /** False when no dead letter has this id. */
  found: boolean;
  /** The fresh job (attempts 0), or null (not replayed, or deduped into an outstanding job). */
  jobId: string | null;
}

/** Re-enqueue a dead letter's payload as a fresh job and mark it replayed; a second call does nothing. */
export async function replayDeadLetter(db: Queryable, id: string): Promise<ReplayResult> {
  if (!ID.test(id)) return { replayed: false, found: false, jobId: null };
  const { rows } = await db.query<{ found: number; replayed: number; job_id: string | null }>(REPLAY_SQL, [id]);
  const r = rows[0];
  return { replayed: (r?.replayed ?? 0) > 0, found: (r?.found ?? 0) > 0, jobId: r?.job_id ?? null };
}

const REPLAY_BATCH_SQL = `
WITH d AS (
  UPDATE dead_letters SET replayed_at = now()
  WHERE replayed_at IS NULL AND id IN (
    SELECT id FROM dead_letters
    WHERE replayed_at IS NULL AND ($1::text IS NULL OR queue = $1)
    ORDER BY id LIMIT $2
    FOR UPDATE SKIP LOCKED)
  RETURNING id, queue, payload, dedupe_key, max_attempts, group_key
), ins AS (
  INSERT INTO jobs (queue, payload, dedupe_key, max_attempts, replay_of, group_key)
  SELECT queue, payload, dedupe_key, max_attempts, id, group_key FROM d ORDER BY id
  ON CONFLICT (queue, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
  RETURNING queue
)
SELECT (SELECT count(*) FROM d)::int AS replayed,
       (SELECT count(*) FROM ins)::int AS enqueued,
       (SELECT string_agg(pg_notify('${NOTIFY_CHANNEL}', queue)::text, '') FROM (SELECT DISTINCT queue FROM ins) q) AS notified`;

/** Replay every not-yet-replayed dead letter (optionally of one queue), in statements of `batchSize`. */
export async function replayAll(db: Queryable, opts: { queue?: string; batchSize?: number } = {}): Promise<{ replayed: number; enqueued: number }> {
  const batchSize = Math.max(1, opts.batchSize ?? 1000);
  let replayed = 0;
  let enqueued = 0;
  for (;;) {
    const { rows } = await db.query<{ replayed: number; enqueued: number }>(REPLAY_BATCH_SQL, [opts.queue ?? null, batchSize]);
    const r = rows[0] ?? { replayed: 0, enqueued: 0 };
    replayed += r.replayed;
    enqueued += r.enqueued;
    if (r.replayed < batchSize) return { replayed, enqueued };
  }
}

/** A payload to dead-letter without having run as a job (see {@link deadLetterPayloads}). */
export interface DeadPayload {
  payload: unknown;
  /** The dedupe key its job would carry (kept for replay, and to dead-letter it once). */
  dedupeKey: string;
  error: unknown;
  /** The fairness group its job would carry (see EnqueueOptions.group); a replay keeps it. */
  group?: string;
}

// A dead letter's job_id names the job it was; these never ran as one, so each takes a fresh id
// from the jobs sequence (no job ever has it). A payload whose key already waits unreplayed in
// the DLQ is not buried twice, so re-running the work that failed it adds nothing.
const BURY_PAYLOADS_SQL = `
INSERT INTO dead_letters (queue, job_id, payload, dedupe_key, reason, error_name, error_message, error_stack,
  error_details, attempts, max_attempts, job_created_at, group_key)
SELECT $1, nextval(pg_get_serial_sequence('jobs', 'id')), i.payload, i.dedupe_key, 'permanent', i.error_name,
  i.error_message, i.error_stack, i.error_details, 1, 5, now(), NULLIF(i.group_key, '')
FROM jsonb_to_recordset($2::jsonb) AS i(payload jsonb, dedupe_key text, error_name text, error_message text,
  error_stack text, error_details jsonb, group_key text)
WHERE NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.queue = $1 AND d.dedupe_key = i.dedupe_key AND d.replayed_at IS NULL)
RETURNING id`;

/**
 * Dead-letter payloads whose work failed permanently outside a queue worker (e.g. a stored
 * record a new normalizer rejects): replayable like any dead letter. Returns how many were added.
 */
export async function deadLetterPayloads(db: Queryable, queue: string, items: readonly DeadPayload[]): Promise<number> {
  if (items.length === 0) return 0;
  const json = items.map((i) => {
    const e = describeError(i.error);
    return { payload: i.payload, dedupe_key: i.dedupeKey, error_name: e.name, error_message: e.message, error_stack: e.stack, error_details: e.details, group_key: i.group ?? null };
  });
  const { rowCount } = await db.query(BURY_PAYLOADS_SQL, [queue, JSON.stringify(json)]);
  return rowCount ?? 0;
}

function toDeadLetter(r: DeadLetterRow): DeadLetter {
  return {
    id: r.id,
    queue: r.queue,
    jobId: r.job_id,
    payload: r.payload,
    dedupeKey: r.dedupe_key,
    reason: r.reason,
    error: { name: r.error_name, message: r.error_message, stack: r.error_stack, details: r.error_details },
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    replayOf: r.replay_of,
    jobCreatedAt: r.job_created_at,
    failedAt: r.failed_at,
    replayedAt: r.replayed_at,
  };
}

const REPLAYED_SQL = `DELETE FROM dead_letters WHERE ctid = ANY(ARRAY(SELECT ctid FROM dead_letters WHERE replayed_at < $1 LIMIT $2))`;

/** Delete dead letters replayed before `before` (their replay is a job of its own); open ones are kept however old. */
export function pruneReplayedDeadLetters(db: Queryable, before: Date): Promise<number> {
  return deleteInBatches(db, REPLAYED_SQL, [before]);
}
