/**
 * Google service-account auth: a JWT signed with the account's private key (jose, RS256) is
 * exchanged at the token URI for a bearer token (`grant_type=jwt-bearer`), cached and refreshed
 * by the kit's token provider. Without credentials (the sandbox accepts any bearer) a static dev
 * token stands in.
 */
import { importPKCS8, SignJWT } from 'jose';
import { z } from 'zod';
import { createTokenProvider, requestJson, type Clock, type TokenProvider, type UpstreamPolicy } from '../../resilience/index.ts';

/** Read-only access to calendars. */
export const CALENDAR_READONLY_SCOPE = 'https://www.googleapis.com/auth/calendar.readonly';
/** Google's token endpoint. */
export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';

const tokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });

/** Service-account credentials. */
export interface ServiceAccount {
  clientEmail: string;
  /** PEM (PKCS#8); `\n` escapes as found in env vars are accepted. */
  privateKey: string;
  tokenUri: string;
}

/** A token provider minting service-account tokens through `policy`. */
export function createServiceAccountTokens(account: ServiceAccount, policy: UpstreamPolicy, clock: Clock): TokenProvider {
  let key: Promise<CryptoKey> | undefined;
  return createTokenProvider(
    async () => {
      key ??= importPKCS8(account.privateKey.replace(/\\n/g, '\n'), 'RS256');
      const nowS = Math.floor(clock.now() / 1000);
      const assertion = await new SignJWT({ scope: CALENDAR_READONLY_SCOPE })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
        .setIssuer(account.clientEmail)
        .setAudience(account.tokenUri)
        .setIssuedAt(nowS)
        .setExpirationTime(nowS + 3600)
        .sign(await key);
      const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString();
      const res = await requestJson(policy, { method: 'POST', url: account.tokenUri, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
      const body = tokenAnswer.parse(res.body);
      return { token: body.access_token, expiresInMs: body.expires_in * 1000 };
    },
    { clock },
  );
}

/** A provider of one fixed token (sandbox without credentials). */
export function createStaticToken(token: string): TokenProvider {
  return { getToken: async () => token, invalidate: () => undefined, refreshes: () => 0 };
}
