/**
 * Bearer tokens of the ad-platform simulator: issued by `POST /auth/token`, expiring after the
 * token TTL knob (seed 004: 1 h). Time comes from the injected clock so tests can expire a token
 * without waiting.
 */
import { randomBytes } from 'node:crypto';

/** Why a bearer token was refused (the platform's exact error strings). */
export type TokenCheck = { ok: true } | { ok: false; error: 'Invalid token' | 'Token expired' };

/** Issues and checks bearer tokens. */
export interface TokenStore {
  /** Issue a new token valid for `ttlS` seconds from now. */
  issue(ttlS: number): { access_token: string; token_type: 'Bearer'; expires_in: number; issued_at: number };
  /** Check an `Authorization` header value. */
  check(authorization: string | undefined): TokenCheck;
  /** Tokens issued so far. */
  issued(): number;
}

/** A token store on `now` (ms since epoch). */
export function createTokenStore(now: () => number): TokenStore {
  const expiries = new Map<string, number>();
  let count = 0;
  return {
    issue(ttlS) {
      const issuedAt = now();
      const token = `adp_${randomBytes(18).toString('base64url')}`;
      expiries.set(token, issuedAt + ttlS * 1000);
      count++;
      return { access_token: token, token_type: 'Bearer', expires_in: ttlS, issued_at: Math.floor(issuedAt / 1000) };
    },
    check(authorization) {
      const m = /^Bearer (\S+)$/.exec(authorization ?? '');
      const expiresAt = m?.[1] === undefined ? undefined : expiries.get(m[1]);
      if (expiresAt === undefined) return { ok: false, error: 'Invalid token' };
      if (now() >= expiresAt) return { ok: false, error: 'Token expired' };
      return { ok: true };
    },
    issued: () => count,
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
