/**
 * Opaque keyset cursors of the data endpoints: base64url of
 * `v2:<table>:<filters hash>:<updated_at in µs since epoch>:<id>`. Microseconds (not a JS Date)
 * because PostgreSQL timestamps carry them and a cursor that rounds to milliseconds would skip
 * or repeat rows sharing a millisecond. The table and a short hash of the filters bind a cursor
 * to the walk that issued it: handed to another endpoint, or with other filters, it would page
 * through a different listing from a position taken in this one (docs/architecture.md#data-endpoint-cursors).
 */
import { createHash } from 'node:crypto';
import { AppError } from '../errors.ts';

/** A decoded keyset position. */
export interface KeysetPosition {
  /** updated_at as integer microseconds since the Unix epoch (decimal string). */
  updatedAtUs: string;
  /** Row id (decimal string). */
  id: string;
}

/** The listing a cursor belongs to: its table and the filters that select its rows. */
export interface KeysetScope {
  table: string;
  source?: string | undefined;
  connectionId?: string | undefined;
  updatedSince?: string | undefined;
  includeDeleted: boolean;
}

const VERSION = 'v2';
const DECIMAL = /^\d{1,19}$/;
const TABLE = /^[a-z_]{1,40}$/;
const HASH = /^[A-Za-z0-9_-]{8}$/;
// Ids are bigint; a cursor past these bounds was never issued and would overflow in SQL.
const MAX_ID = 2n ** 63n - 1n;
// updated_at of a row we issued a cursor for lies before year 10000.
const MAX_UPDATED_AT_US = BigInt(Date.UTC(10000, 0, 1)) * 1000n;

/** 8 base64url characters (48 bits) of a hash of the filters: enough to tell two filter sets apart, short in a URL. */
function filtersHash(scope: KeysetScope): string {
  const filters = [scope.source ?? null, scope.connectionId ?? null, scope.updatedSince ?? null, scope.includeDeleted];
  return createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 8);
}

/** Encode a position of the listing `scope` into an opaque cursor. */
export function encodeKeysetCursor(scope: KeysetScope, pos: KeysetPosition): string {
  return Buffer.from(`${VERSION}:${scope.table}:${filtersHash(scope)}:${pos.updatedAtUs}:${pos.id}`, 'utf8').toString('base64url');
}

/**
 * Decode a cursor of the listing `scope`; throws a 400 `invalid_cursor` naming `cursor` if this
 * endpoint did not issue it with these filters.
 */
export function decodeKeysetCursor(cursor: string, scope: KeysetScope): KeysetPosition {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const [version, table, hash, updatedAtUs, id, extra] = text.split(':');
  if (
    version !== VERSION || extra !== undefined || !table || !TABLE.test(table) || !hash || !HASH.test(hash) ||
    !updatedAtUs || !id || !DECIMAL.test(updatedAtUs) || !DECIMAL.test(id) || BigInt(updatedAtUs) >= MAX_UPDATED_AT_US || BigInt(id) > MAX_ID
  ) {
    throw invalidCursor();
  }
  if (table !== scope.table) throw invalidCursor(`issued by the ${table} listing, not this one; start this listing without cursor`);
  if (hash !== filtersHash(scope)) {
    throw invalidCursor('issued with other filters; pass the same source, connectionId, updatedSince and includeDeleted on every page of a walk, or start again without cursor');
  }
  return { updatedAtUs, id };
}

/** The 400 every endpoint answers a cursor it did not issue with (`why`: what is wrong with it, when known). */
export function invalidCursor(why = 'not a cursor returned by this endpoint'): AppError {
  return new AppError('invalid_cursor', `cursor: ${why}`, { details: { field: 'cursor', in: 'querystring' } });
}
