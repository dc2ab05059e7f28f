/**
 * The logins of the ad-platform simulator's clients. Each client (email + password) is its own
 * account with its own campaigns, tokens, fault counter and rate-limit window. Client 1 keeps the
 * configured login; client n ≥ 2 logs in with credentials that carry its number.
 */

/** A client's login and the `X-Client-Id` it sends. */
export interface AdPlatformLogin {
  email: string;
  password: string;
  clientId: string;
}

/** Dev login of client 1 (used when neither options nor `SANDBOX_ADPLATFORM_EMAIL` / `_PASSWORD` set one). */
export const ADPLATFORM_DEV_CREDENTIALS = { email: 'dev@adplatform.sandbox', password: 'sandbox-dev-password' } as const;
/** Client 1's development `X-Client-Id`. */
export const ADPLATFORM_DEV_CLIENT_ID = 'buffalo-sandbox';

const EMAIL_PREFIX = 'dev+acct';
const EMAIL_SUFFIX = '@adplatform.sandbox';

/** The login of client `n` (client 1: the development login). */
export function adplatformAccountCredentials(n: number): AdPlatformLogin {
  if (n === 1) return { ...ADPLATFORM_DEV_CREDENTIALS, clientId: ADPLATFORM_DEV_CLIENT_ID };
  return { email: `${EMAIL_PREFIX}${n}${EMAIL_SUFFIX}`, password: `sandbox-dev-password-acct${n}`, clientId: `${ADPLATFORM_DEV_CLIENT_ID}-acct${n}` };
}

/** The email prefix and suffix around a derived client's number (for `accountInCredential`). */
export const ADPLATFORM_EMAIL_FORM = { prefix: EMAIL_PREFIX, suffix: EMAIL_SUFFIX } as const;
