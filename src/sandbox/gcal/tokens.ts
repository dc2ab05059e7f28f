/**
 * Opaque page and sync tokens: base64url JSON plus an HMAC tag, so a tampered or invented
 * token is detected (400) rather than misread. Page tokens carry the query they belong to and
 * a keyset position; sync tokens carry the change watermark, an epoch (bumped to expire all
 * tokens) and when they were issued (expiry by age).
 */
import { createHmac, randomBytes } from 'node:crypto';

/** State carried by a page token. */
export interface PageTokenData {
  /** Fingerprint of the query parameters (a token only continues its own query). */
  q: string;
  /** Change watermark when the listing started (becomes the next sync token). */
  w: number;
  /** Lower bound (exclusive) on versions for an incremental listing. */
  since?: number;
  /** Last key served. */
  k: number[];
}

/** State carried by a sync token. */
export interface SyncTokenData {
  w: number;
  epoch: number;
  issuedAt: number;
  /** Whether the listing that produced it expanded recurring events. */
  single: boolean;
}

/** Signs and verifies tokens with a per-simulator secret. */
export interface TokenCodec {
  encode(kind: 'p' | 's', data: object): string;
  decode<T>(kind: 'p' | 's', token: string): T | undefined;
}

/** A codec with a fresh random secret. */
export function createTokenCodec(): TokenCodec {
  const secret = randomBytes(16);
  const tag = (body: string) => createHmac('sha256', secret).update(body).digest('base64url').slice(0, 12);
  return {
    encode(kind, data) {
      const body = Buffer.from(JSON.stringify({ t: kind, ...data })).toString('base64url');
      return `${body}.${tag(body)}`;
    },
    decode<T>(kind: 'p' | 's', token: string): T | undefined {
      const [body, sig] = token.split('.');
      if (!body || !sig || tag(body) !== sig) return undefined;
      try {
        const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { t?: string };
        return parsed.t === kind ? (parsed as T) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** Lexicographic comparison of numeric keys. */
export function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? -1 : 1;
    if (x !== y) return x - y;
  }
  return 0;
}
