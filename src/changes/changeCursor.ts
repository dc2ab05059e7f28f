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
    throw new AppError('invalid_cursor', `${field}: not a cursor returned by /changes`, { details: { field, in: 'querystring' } });
  }
  return { pos: BigInt(pos).toString(), id: BigInt(id).toString() };
}

/** Order of two positions (negative, zero, positive), as the feed orders (pos, id). */
export function comparePositions(a: ChangePosition, b: ChangePosition): number {
  const byPos = BigInt(a.pos) - BigInt(b.pos);
  if (byPos !== 0n) return byPos < 0n ? -1 : 1;
  const byId = BigInt(a.id) - BigInt(b.id);
  return byId === 0n ? 0 : byId < 0n ? -1 : 1;
}
