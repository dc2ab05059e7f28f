/** Dev/test tokens for the order API (HS256, what `createJwtVerifier` accepts for JWT_SECRET). */
import { SignJWT } from 'jose';

/** Sign an HS256 JWT for `sub`, valid for `ttlSeconds` (default 1 h), with optional iss/aud. */
export function signDevToken(secret: string, sub: string, ttlSeconds = 3600, opts: { issuer?: string; audience?: string } = {}): Promise<string> {
  let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(sub).setIssuedAt().setExpirationTime(`${ttlSeconds}s`);
  if (opts.issuer) jwt = jwt.setIssuer(opts.issuer);
  if (opts.audience) jwt = jwt.setAudience(opts.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
