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

const DECIMAL = /^\d{1,20}$/;

/** Encode a position into an opaque cursor. */
export function encodeKeysetCursor(pos: KeysetPosition): string {
  return Buffer.from(`${pos.updatedAtUs}:${pos.id}`, 'utf8').toString('base64url');
}

/** Decode a cursor; throws a 400 `validation_failed` naming `cursor` if it is not one of ours. */
export function decodeKeysetCursor(cursor: string): KeysetPosition {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const [updatedAtUs, id, extra] = text.split(':');
  if (extra !== undefined || !updatedAtUs || !id || !DECIMAL.test(updatedAtUs) || !DECIMAL.test(id)) {
    throw new AppError('validation_failed', 'cursor: not a cursor returned by this endpoint', { details: { field: 'cursor', in: 'querystring' } });
  }
  return { updatedAtUs, id };
}
