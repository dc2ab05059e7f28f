/**
 * Bearer JWT verification for the order API (jose). The algorithm is pinned by key type —
 * HS256 for a shared secret, RS256/ES256 for a JWKS — so `alg: none` and algorithm-confusion
 * tokens fail; `exp` and `sub` are required (a `sub` with NUL or an unpaired surrogate is
 * malformed), `nbf` is checked when present, and `iss`/`aud` when configured.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isStorableString } from '../db/index.ts';
import { AppError } from '../errors.ts';

/** Where keys come from and which claims to insist on. */
export interface JwtSettings {
  jwtSecret?: string | undefined;
  jwtJwksUrl?: string | undefined;
  jwtIssuer?: string | undefined;
  jwtAudience?: string | undefined;
  /** Allowed clock skew for exp/nbf, seconds (default 5). */
  clockToleranceS?: number;
}

// Clients send the same token with every request until it expires, and each verification is a
// WebCrypto HMAC on the thread pool (the largest JS cost of an order in the bench profile). A
// token string that verified once is remembered — keyed by the whole token, signature
// included — until its exp, and at most this long, so a key removed from a JWKS stops being
// accepted soon after.
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 10_000;

/** Verifies a compact JWT and returns its subject; throws AppError('unauthorized'). */
export type JwtVerifier = (token: string) => Promise<{ sub: string }>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified JWT subject (order API). */
    jwtSubject?: string;
  }
}

/** Build a verifier from settings; throws when neither a secret nor a JWKS URL is configured. `now` (ms) is injectable for tests. */
export function createJwtVerifier(settings: JwtSettings, deps: { now?: () => number } = {}): JwtVerifier {
  const now = deps.now ?? Date.now;
  const common = {
    requiredClaims: ['exp', 'sub'],
    clockTolerance: settings.clockToleranceS ?? 5,
    ...(settings.jwtIssuer ? { issuer: settings.jwtIssuer } : {}),
    ...(settings.jwtAudience ? { audience: settings.jwtAudience } : {}),
  };
  let verify: (token: string) => Promise<{ payload: { sub?: string; exp?: number } }>;
  if (settings.jwtSecret) {
    // Imported once: handing jose the raw bytes makes it import a WebCrypto key on every call,
    // which tripled the cost of each verification (bench/: orders profile).
    const key = crypto.subtle.importKey('raw', new TextEncoder().encode(settings.jwtSecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    verify = async (token) => jwtVerify(token, await key, { ...common, currentDate: new Date(now()), algorithms: ['HS256'] });
  } else if (settings.jwtJwksUrl) {
    const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(settings.jwtJwksUrl));
    verify = (token) => jwtVerify(token, jwks, { ...common, currentDate: new Date(now()), algorithms: ['RS256', 'ES256'] });
  } else {
    throw new Error('order API needs JWT_SECRET or JWT_JWKS_URL');
  }
  const verified = new LRUCache<string, { sub: string }>({ max: VERIFIED_MAX, ttl: VERIFIED_TTL_MS, ttlResolution: 0, perf: { now } });
  return async (token) => {
    const known = verified.get(token);
    if (known) return known;
    try {
      const { payload } = await verify(token);
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new AppError('unauthorized', 'bearer token has no subject');
      // The subject keys orders and idempotency scopes in PostgreSQL: one it cannot store is malformed.
      if (!isStorableString(payload.sub)) throw new AppError('unauthorized', 'invalid bearer token: claim sub malformed');
      const result = { sub: payload.sub };
      const untilExpiry = (payload as { exp: number }).exp * 1000 - now();
      if (untilExpiry > 0) verified.set(token, result, { ttl: Math.min(untilExpiry, VERIFIED_TTL_MS) });
      return result;
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('unauthorized', `invalid bearer token: ${describeJoseError(err)}`);
    }
  };
}

// A short reason for the client; never the token or key material.
function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `claim ${err.claim} ${err.reason === 'missing' ? 'missing' : 'invalid'}`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature mismatch';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no matching key';
  if (err instanceof joseErrors.JOSEError) return 'malformed';
  return 'verification failed';
}

// The scheme name is case-insensitive (RFC 6750 §2.1, RFC 9110 §11.1): `bearer` is as good as `Bearer`.
const BEARER = /^bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/i;

/** Hook: require `Authorization: Bearer <JWT>` (scheme in any case); sets `request.jwtSubject` and `request.principal = 'jwt:' + sub`. */
export function requireJwt(verifier: JwtVerifier) {
  return async function requireJwtHook(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    const m = typeof header === 'string' ? BEARER.exec(header) : null;
    if (!m) throw new AppError('unauthorized', 'missing or malformed Authorization: Bearer header');
    const { sub } = await verifier(m[1] as string);
    request.jwtSubject = sub;
    request.principal = `jwt:${sub}`;
  };
}
