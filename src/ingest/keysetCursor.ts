/**
 * Opaque keyset cursors of the data endpoints: base64url of `(updated_at in µs since epoch, id)`.
 * Microseconds (not a JS Date) because PostgreSQL timestamps carry them and a cursor that
 * rounds to milliseconds would skip or repeat rows sharing a millisecond.
 */
import { AppError } from '../errors.ts';

/** A decoded keyset position. */
export interface KeysetPosition {
  /** updated_at as integer microseconds since the Unix epoch (decimal string). */
  updatedAtUs: string;
  /** Row id (decimal string). */
  id: string;
}

const DECIMAL = /^\d{1,19}$/;
// Ids are bigint; a cursor past these bounds was never issued and would overflow in SQL.
const MAX_ID = 2n ** 63n - 1n;
// updated_at of a row we issued a cursor for lies before year 10000.
const MAX_UPDATED_AT_US = BigInt(Date.UTC(10000, 0, 1)) * 1000n;

/** Encode a position into an opaque cursor. */
export function encodeKeysetCursor(pos: KeysetPosition): string {
  return Buffer.from(`${pos.updatedAtUs}:${pos.id}`, 'utf8').toString('base64url');
}

/** Decode a cursor; throws a 400 `invalid_cursor` naming `cursor` if it is not one this API issued. */
export function decodeKeysetCursor(cursor: string): KeysetPosition {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const [updatedAtUs, id, extra] = text.split(':');
  if (extra !== undefined || !updatedAtUs || !id || !DECIMAL.test(updatedAtUs) || !DECIMAL.test(id) || BigInt(updatedAtUs) >= MAX_UPDATED_AT_US || BigInt(id) > MAX_ID) {
    throw invalidCursor();
  }
  return { updatedAtUs, id };
}

/** The 400 every endpoint answers a cursor it did not issue with. */
export function invalidCursor(): AppError {
  return new AppError('invalid_cursor', 'cursor: not a cursor returned by this endpoint', { details: { field: 'cursor', in: 'querystring' } });
}
