/** Content hashes of raw records: the dedupe key of the producer (same content → same hash). */
import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import { jsonDepth } from './measureJson.ts';

// safe-stable-stringify recurses; past a few thousand levels it overflows the stack. Callers
// pass records already bounded (prepareRecord); this guard turns a stray deep value into a
// clear error instead of a RangeError from deep inside the library.
const MAX_HASH_DEPTH = 1000;

/** sha256 (hex) of the canonical JSON of `payload` (keys sorted, so key order never matters). */
export function hashContent(payload: unknown): string {
  const depth = jsonDepth(payload, MAX_HASH_DEPTH);
  if (depth > MAX_HASH_DEPTH) throw new RangeError(`cannot hash a value nested more than ${MAX_HASH_DEPTH} levels deep`);
  return createHash('sha256').update(stringify(payload ?? null) ?? 'null').digest('hex');
}
