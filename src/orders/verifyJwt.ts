/**
 * Bearer JWT verification for the order API (jose). The algorithm is pinned by key type —
 * HS256 for a shared secret, RS256/ES256 for a JWKS — so `alg: none` and algorithm-confusion
 * tokens fail; `exp` and `sub` are required, `nbf` is checked when present, and `iss`/`aud`
 * when configured.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { FastifyReply, FastifyRequest } from 'fastify';
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

/** Verifies a compact JWT and returns its subject; throws AppError('unauthorized'). */
export type JwtVerifier = (token: string) => Promise<{ sub: string }>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified JWT subject (order API). */
    jwtSubject?: string;
  }
}

/** Build a verifier from settings; throws when neither a secret nor a JWKS URL is configured. */
export function createJwtVerifier(settings: JwtSettings): JwtVerifier {
  const common = {
    requiredClaims: ['exp', 'sub'],
    clockTolerance: settings.clockToleranceS ?? 5,
    ...(settings.jwtIssuer ? { issuer: settings.jwtIssuer } : {}),
    ...(settings.jwtAudience ? { audience: settings.jwtAudience } : {}),
  };
  let verify: (token: string) => Promise<{ payload: { sub?: string } }>;
  if (settings.jwtSecret) {
    // Imported once: handing jose the raw bytes makes it import a WebCrypto key on every call,
    // which tripled the cost of each verification (bench/: orders profile).
    const key = crypto.subtle.importKey('raw', new TextEncoder().encode(settings.jwtSecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    verify = async (token) => jwtVerify(token, await key, { ...common, algorithms: ['HS256'] });
  } else if (settings.jwtJwksUrl) {
    const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(settings.jwtJwksUrl));
    verify = (token) => jwtVerify(token, jwks, { ...common, algorithms: ['RS256', 'ES256'] });
  } else {
    throw new Error('order API needs JWT_SECRET or JWT_JWKS_URL');
  }
  return async (token) => {
    try {
      const { payload } = await verify(token);
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new AppError('unauthorized', 'bearer token has no subject');
      return { sub: payload.sub };
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

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/;

/** Hook: require `Authorization: Bearer <JWT>`; sets `request.jwtSubject` and `request.principal = 'jwt:' + sub`. */
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
