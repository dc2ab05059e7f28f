/**
 * Accounts of the calendar simulator: a service account (its client email, the `iss` of the JWT
 * it signs) or a user who consented through OAuth. Account 1 is the configured calendar; account
 * n ≥ 2 is the service account whose email carries its number, and its primary calendar is that
 * email, as a service account's own calendar is on Google.
 */

/** Start and end of the service-account emails of accounts 2…n (the account number between). */
export const GCAL_ACCOUNT_EMAIL_FORM = { prefix: 'sandbox-acct', suffix: '@buffalo-sandbox.iam.gserviceaccount.com' } as const;
/** The OAuth client the simulator's authorization server knows (a development "web application" client). */
export const GOOGLE_OAUTH_CLIENT = { clientId: 'buffalo-sandbox.apps.googleusercontent.com', clientSecret: 'GOCSPX-buffalo-sandbox-secret' } as const;

/** The service-account client email of account `n` ≥ 2. */
export function gcalServiceAccountEmail(n: number): string {
  return `${GCAL_ACCOUNT_EMAIL_FORM.prefix}${n}${GCAL_ACCOUNT_EMAIL_FORM.suffix}`;
}

/** The `iss` claim of a JWT assertion, read without verifying it (the simulator checks no signatures). */
export function assertionIssuer(assertion: unknown): string | undefined {
  const payload = typeof assertion === 'string' ? assertion.split('.')[1] : undefined;
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: unknown };
    return typeof claims.iss === 'string' ? claims.iss : undefined;
  } catch {
    return undefined;
  }
}
