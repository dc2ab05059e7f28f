/**
 * Opaque cursors of the change feed: base64url of `v1:<pos>:<id>`, a position in the feed's
 * order (pos, id). `pos` is a full transaction id (xid8), `id` the change row's id; (pos, 0)
 * lies before every change at pos (ids start at 1), which is what head cursors use.
 */
import { AppError } from '../errors.ts';

/** A position in the feed: everything at or before it has been seen. */
export interface ChangePosition {
  /** xid8 as a decimal string. */
  pos: string;
  /** Change row id as a decimal string (0 = before every change at `pos`). */
  id: string;
}

const DECIMAL = /^\d{1,19}$/;
// Both are unsigned 64-bit in PostgreSQL terms, but id is a signed bigint.
const MAX_POS = 2n ** 64n - 1n;
const MAX_ID = 2n ** 63n - 1n;

/** The start of the feed. */
export const FEED_START: ChangePosition = { pos: '0', id: '0' };

/** Encode a position into an opaque cursor. */
export function encodeChangeCursor(p: ChangePosition): string {
  return Buffer.from(`v1:${p.pos}:${p.id}`, 'utf8').toString('base64url');
}

/** Decode a cursor; a 400 `invalid_cursor` naming `field` if this API did not issue it. */
export function decodeChangeCursor(cursor: string, field = 'after'): ChangePosition {
  const [version, pos, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  if (version !== 'v1' || extra !== undefined || !pos || !id || !DECIMAL.test(pos) || !DECIMAL.test(id) || BigInt(pos) > MAX_POS || BigInt(id) > MAX_ID) {
    throw invalidChangeCursor(field);
  }
  return { pos: BigInt(pos).toString(), id: BigInt(id).toString() };
}

/** The 400 `invalid_cursor` naming `field` (`why`: what is wrong with it, when known). */
export function invalidChangeCursor(field: string, why = 'not a cursor returned by /changes'): AppError {
  return new AppError('invalid_cursor', `${field}: ${why}`, { details: { field, in: 'querystring' } });
}

/**
 * Whether the feed can have issued `p`, given `limit`: the next transaction id not yet assigned
 * (pg_snapshot_xmax) and the highest change id drawn. Every cursor handed out lies at or before
 * (that transaction id, 0) — a head or horizon cursor is (xmin, 0) with xmin ≤ xmax, and a page's
 * or a `records.changed` range's positions are ids of transactions that exist — and carries an
 * id already drawn. Only the head bound is not enough: a `records.changed` range may point past
 * the horizon until older transactions end (docs/changes.md#cursors-the-feed-did-not-issue).
 */
export function wasIssuable(p: ChangePosition, limit: ChangePosition): boolean {
  return comparePositions(p, { pos: limit.pos, id: '0' }) <= 0 && BigInt(p.id) <= BigInt(limit.id);
}

/** Order of two positions (negative, zero, positive), as the feed orders (pos, id). */
export function comparePositions(a: ChangePosition, b: ChangePosition): number {
  const byPos = BigInt(a.pos) - BigInt(b.pos);
  if (byPos !== 0n) return byPos < 0n ? -1 : 1;
  const byId = BigInt(a.id) - BigInt(b.id);
  return byId === 0n ? 0 : byId < 0n ? -1 : 1;
}
