/** Content hashes of raw records: the dedupe key of the producer (same content → same hash). */
import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';

/** sha256 (hex) of the canonical JSON of `payload` (keys sorted, so key order never matters). */
export function hashContent(payload: unknown): string {
  return createHash('sha256').update(stringify(payload ?? null) ?? 'null').digest('hex');
}
