/**
 * The statements of the shared token bucket (table rate_buckets). Each is one statement, so one
 * round trip, and atomic: the bucket row is locked only for the statement's duration, never
 * while anybody sleeps.
 *
 * `now` is passed in (epoch ms of the gate's clock) or null for the database's clock. Rates are
 * tokens per ms; a null rate means no steady limit (pauses still apply).
 */
import type { Queryable } from '../db/index.ts';

// The statement's time: the caller's clock, or the database's when the caller passes null.
const NOW = `COALESCE($2::float8, floor(extract(epoch FROM clock_timestamp()) * 1000))`;

/** What one acquire statement decided. */
export interface Reservation {
  /** ms from now until the caller's slot (0: go now). */
  waitMs: number;
  /** false: the slot lies past the caller's deadline, nothing was taken. */
  taken: boolean;
  /** The bucket's pause epoch when the slot was reserved. */
  epoch: string;
  /** ms until the bucket's pause ends (0: not paused). */
  pausedForMs: number;
  throttledInARow: number;
}

// Refill by elapsed time (never beyond burst; not while refilled_at lies ahead, i.e. during a
// pause), then reserve the next slot: a token now if one is there, else the time at which the
// queue of reservations ahead of the caller has been paid off. Taking the token even when its
// slot is in the future makes the row lock's queue the waiting line: callers of every process
// are served in the order they reached the row, and sleep exactly until their turn.
const ACQUIRE = `
WITH cur AS (
  SELECT key, tokens, refilled_at, paused_until, pause_epoch, throttled_in_a_row, ${NOW} AS now_ms
  FROM rate_buckets WHERE key = $1 FOR UPDATE
), filled AS (
  SELECT *,
    CASE WHEN $3::float8 IS NULL OR now_ms <= refilled_at THEN tokens
         ELSE least($4::float8, tokens + (now_ms - refilled_at) * $3::float8) END AS avail,
    greatest(refilled_at, now_ms) AS refilled
  FROM cur
), waited AS (
  SELECT *,
    CASE WHEN $3::float8 IS NULL THEN greatest(0, ceil(paused_until - now_ms))
         ELSE greatest(0, ceil(refilled - now_ms + CASE WHEN 1 - avail <= 1e-9 THEN 0 ELSE (1 - avail) / $3::float8 END - 1e-9)) END AS wait_ms
  FROM filled
), decided AS (
  SELECT *, ($5::float8 IS NULL OR now_ms + wait_ms <= $5::float8) AS take FROM waited
)
UPDATE rate_buckets b
SET tokens = CASE WHEN d.take AND $3::float8 IS NOT NULL THEN d.avail - 1 ELSE d.avail END,
    refilled_at = d.refilled,
    updated_at = now()
FROM decided d
WHERE b.key = d.key
RETURNING d.wait_ms::float8 AS wait_ms, d.take, d.pause_epoch::text AS epoch,
          greatest(0, d.paused_until - d.now_ms)::float8 AS paused_for_ms, d.throttled_in_a_row`;

/** Reserve the next slot of `key`; undefined when the bucket has no row yet (see createBucket). */
export async function reserveSlot(db: Queryable, key: string, now: number | null, ratePerMs: number | null, burst: number, deadlineAt: number | null): Promise<Reservation | undefined> {
  const { rows } = await db.query<{ wait_ms: number; take: boolean; epoch: string; paused_for_ms: number; throttled_in_a_row: number }>(ACQUIRE, [key, now, ratePerMs, burst, deadlineAt]);
  const r = rows[0];
  return r && { waitMs: r.wait_ms, taken: r.take, epoch: r.epoch, pausedForMs: r.paused_for_ms, throttledInARow: r.throttled_in_a_row };
}

/** Create the bucket of `key`, full, unless it exists. */
export async function createBucket(db: Queryable, key: string, now: number | null, burst: number): Promise<void> {
  await db.query(`INSERT INTO rate_buckets (key, tokens, refilled_at) VALUES ($1, $3, ${NOW}) ON CONFLICT (key) DO NOTHING`, [key, now, burst]);
}

/** The bucket's pause epoch and remaining pause, read after a reserved slot came due. */
export async function readPause(db: Queryable, key: string, now: number | null): Promise<{ epoch: string; pausedForMs: number } | undefined> {
  const { rows } = await db.query<{ epoch: string; paused_for_ms: number }>(
    `SELECT pause_epoch::text AS epoch, greatest(0, paused_until - ${NOW})::float8 AS paused_for_ms FROM rate_buckets WHERE key = $1`,
    [key, now],
  );
  return rows[0] && { epoch: rows[0].epoch, pausedForMs: rows[0].paused_for_ms };
}

// A pause: nothing before its end, then one call, then the steady rate (tokens = 1 and no refill
// until the pause ends, as in the in-process limiter). It voids every outstanding reservation
// (a new epoch): reservations were computed for a schedule the upstream just rejected. A 429
// without a hint backs off by the 429s in a row that all processes saw together.
const PAUSE = `
WITH cur AS (
  SELECT key, paused_until, refilled_at, throttled_in_a_row + (CASE WHEN $4 THEN 1 ELSE 0 END) AS in_a_row, ${NOW} AS now_ms
  FROM rate_buckets WHERE key = $1 FOR UPDATE
), until AS (
  SELECT *, greatest(paused_until, now_ms + COALESCE($3::float8, least($6::float8, $5::float8 * power(2, greatest(0, in_a_row - 1))))) AS until
  FROM cur
)
UPDATE rate_buckets b
SET paused_until = u.until, refilled_at = greatest(u.refilled_at, u.until), tokens = 1,
    throttled_in_a_row = u.in_a_row, pause_epoch = b.pause_epoch + 1, updated_at = now()
FROM until u
WHERE b.key = u.key
RETURNING (u.until - u.now_ms)::float8 AS paused_for_ms, u.in_a_row`;

/**
 * Pause `key` for `pauseMs` (null: the 429 backoff) from now; `throttled`: the pause answers a
 * 429 (counts toward the backoff). Returns the bucket's whole remaining pause.
 */
export async function pauseBucket(db: Queryable, key: string, now: number | null, pause: { pauseMs: number | null; throttled: boolean; backoffBaseMs: number; backoffMaxMs: number }): Promise<{ pausedForMs: number; throttledInARow: number } | undefined> {
  const { rows } = await db.query<{ paused_for_ms: number; in_a_row: number }>(PAUSE, [key, now, pause.pauseMs, pause.throttled, pause.backoffBaseMs, pause.backoffMaxMs]);
  return rows[0] && { pausedForMs: rows[0].paused_for_ms, throttledInARow: rows[0].in_a_row };
}

/** No more tokens than the upstream says remain in its window (refilled up to now first). */
export async function capTokens(db: Queryable, key: string, now: number | null, ratePerMs: number, burst: number, remaining: number): Promise<void> {
  await db.query(
    `UPDATE rate_buckets b
     SET tokens = least(CASE WHEN n.now_ms <= b.refilled_at THEN b.tokens ELSE least($4::float8, b.tokens + (n.now_ms - b.refilled_at) * $3::float8) END, $5::float8),
         refilled_at = greatest(b.refilled_at, n.now_ms), updated_at = now()
     FROM (SELECT ${NOW} AS now_ms) n
     WHERE b.key = $1`,
    [key, now, ratePerMs, burst, remaining],
  );
}

/** The upstream accepted a call: the 429s-in-a-row count starts over. */
export async function clearThrottled(db: Queryable, key: string): Promise<void> {
  await db.query(`UPDATE rate_buckets SET throttled_in_a_row = 0, updated_at = now() WHERE key = $1 AND throttled_in_a_row <> 0`, [key]);
}

/** Give back a reserved token its caller will not use (it gave up waiting), unless a pause voided it already. */
export async function returnToken(db: Queryable, key: string, burst: number, epoch: string): Promise<void> {
  await db.query(`UPDATE rate_buckets SET tokens = least($2::float8, tokens + 1), updated_at = now() WHERE key = $1 AND pause_epoch = $3::bigint`, [key, burst, epoch]);
}
