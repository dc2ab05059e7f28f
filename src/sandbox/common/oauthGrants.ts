/**
 * What an OAuth authorization server remembers, for the simulators that play one (HubSpot,
 * Google): authorization codes (single use, short-lived), refresh tokens (until revoked) and
 * access tokens (until they expire), each bound to the account that consented. Times are the
 * simulator's clock, so tests expire codes and tokens by advancing it. Memory stays bounded:
 * expired codes are dropped as new ones are issued, and the oldest tokens go past a cap.
 */
import { randomBytes } from 'node:crypto';

/** An authorization code waiting to be exchanged. */
export interface CodeGrant {
  account: number;
  clientId: string;
  redirectUri: string;
  scope: string;
  /** PKCE S256 challenge sent to the authorize endpoint, if any. */
  codeChallenge?: string;
  /** Google's `access_type=offline`: the exchange also hands out a refresh token. */
  offline?: boolean;
  expiresAt: number;
}

/** A refresh token's grant. */
export interface RefreshGrant {
  account: number;
  clientId: string;
  scope: string;
  revoked: boolean;
}

/** An access token's grant; `expiresAt` Infinity = never expires. */
export interface AccessGrant {
  account: number;
  expiresAt: number;
}

/** Codes and tokens of one simulator's authorization server. */
export interface OAuthGrants {
  /** Issue a code valid for `ttlMs`. */
  issueCode(grant: Omit<CodeGrant, 'expiresAt'>, ttlMs: number): string;
  /** Take a code out (it is single use): its grant, or undefined when unknown, used or expired. */
  takeCode(code: string): CodeGrant | undefined;
  issueRefresh(grant: Omit<RefreshGrant, 'revoked'>): string;
  refresh(token: string): RefreshGrant | undefined;
  /** Revoke a refresh token; false when unknown. */
  revoke(token: string): boolean;
  /** Issue an access token for `account` living `ttlMs` (0 = never expires). */
  issueAccess(account: number, ttlMs: number): string;
  access(token: string): AccessGrant | undefined;
}

/** Most tokens of each kind kept; past it the oldest are forgotten (a client would see them as unknown). */
export const MAX_TOKENS = 100_000;

/** An empty grant store; `prefix` starts every access token (vendors' tokens have recognisable forms). */
export function createOAuthGrants(now: () => number, accessPrefix: string, refreshPrefix: string): OAuthGrants {
  const codes = new Map<string, CodeGrant>();
  const refreshes = new Map<string, RefreshGrant>();
  const accesses = new Map<string, AccessGrant>();
  const random = () => randomBytes(18).toString('base64url');
  const capped = <V>(m: Map<string, V>, key: string, value: V) => {
    m.set(key, value);
    // Maps iterate in insertion order: the first key is the oldest.
    if (m.size > MAX_TOKENS) m.delete(m.keys().next().value as string);
  };
  return {
    issueCode(grant, ttlMs) {
      const t = now();
      for (const [c, g] of codes) if (g.expiresAt <= t) codes.delete(c);
      const code = random();
      capped(codes, code, { ...grant, expiresAt: t + ttlMs });
      return code;
    },
    takeCode(code) {
      const g = codes.get(code);
      codes.delete(code);
      return g && g.expiresAt > now() ? g : undefined;
    },
    issueRefresh(grant) {
      const token = `${refreshPrefix}${random()}`;
      capped(refreshes, token, { ...grant, revoked: false });
      return token;
    },
    refresh: (token) => refreshes.get(token),
    revoke(token) {
      const g = refreshes.get(token);
      if (!g) return false;
      g.revoked = true;
      return true;
    },
    issueAccess(account, ttlMs) {
      const token = `${accessPrefix}${random()}`;
      capped(accesses, token, { account, expiresAt: ttlMs > 0 ? now() + ttlMs : Infinity });
      return token;
    },
    access: (token) => accesses.get(token),
  };
}
