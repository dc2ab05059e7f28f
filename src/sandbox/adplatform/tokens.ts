/**
 * Bearer tokens of the ad-platform simulator. The platform keeps ONE issue time for all tokens:
 * every `POST /auth/token` restarts the lifetime of every token handed out so far, and an old
 * token stays valid as long as someone logged in recently. A token expires when the last issue
 * is older than its lifetime (strictly older, as the platform compares). Time comes from the
 * injected clock so tests can expire tokens without waiting. Each client (account) has its own
 * store, so its shared issue time is shared only among its own tokens.
 */
import { randomBytes } from 'node:crypto';

/** Why a bearer token was refused. */
export type TokenCheck = { ok: true } | { ok: false; error: 'Unauthorized' } | { ok: false; error: 'Token expired'; expiredAt: string };

/** Issues and checks bearer tokens. */
export interface TokenStore {
  /** Issue a new token; every token's lifetime now runs `ttlS` seconds from now. */
  issue(ttlS: number): { access_token: string; token_type: 'Bearer'; expires_in: number; issued_at: number };
  /** Check an `Authorization` header value. */
  check(authorization: string | undefined): TokenCheck;
  /** Tokens issued so far. */
  issued(): number;
}

/** A token store on `now` (ms since epoch); `prefix` starts every token it issues. */
export function createTokenStore(now: () => number, prefix = 'adp_'): TokenStore {
  const known = new Set<string>();
  let issuedAt = now();
  let ttlMs = 0;
  return {
    issue(ttlS) {
      issuedAt = now();
      ttlMs = ttlS * 1000;
      // Opaque and unguessable: unknown tokens are refused here (the platform itself accepts any).
      const token = `${prefix}${randomBytes(18).toString('base64url')}`;
      known.add(token);
      return { access_token: token, token_type: 'Bearer', expires_in: ttlS, issued_at: Math.floor(issuedAt / 1000) };
    },
    check(authorization) {
      const m = /^Bearer (\S+)$/.exec(authorization ?? '');
      if (m?.[1] === undefined || !known.has(m[1])) return { ok: false, error: 'Unauthorized' };
      if (now() - issuedAt > ttlMs) return { ok: false, error: 'Token expired', expiredAt: new Date(issuedAt + ttlMs).toISOString() };
      return { ok: true };
    },
    issued: () => known.size,
  };
}

/** Decode a Basic `Authorization` header into email and password (undefined when malformed). */
export function parseBasicAuth(authorization: string | undefined): { email: string; password: string } | undefined {
  const m = /^Basic (\S+)$/.exec(authorization ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { email: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

/** The account a bearer token names: client n ≥ 2 tokens start `adp<n>_`, client 1's `adp_`. */
export function accountOfToken(authorization: string | undefined): number {
  const m = /^Bearer adp([1-9]\d{0,5})_/.exec(authorization ?? '');
  return m?.[1] ? Number(m[1]) : 1;
}

/** The token prefix of account `n`. */
export function tokenPrefix(n: number): string {
  return n === 1 ? 'adp_' : `adp${n}_`;
}
