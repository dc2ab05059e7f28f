/**
 * Google Calendar credential check: a token (a service account's JWT exchanged at the token
 * URI, or the OAuth access token as given), then `GET /calendar/v3/calendars/{calendarId}` —
 * which also proves the calendar is shared with the account (Google answers 404 otherwise).
 */
import { importPKCS8 } from 'jose';
import { requestJson, systemClock, type UpstreamPolicy } from '../../resilience/index.ts';
import { messageAt, rejectionOf, type CredentialCheckResult } from '../credentialCheck.ts';
import { createServiceAccountTokens, GOOGLE_TOKEN_URI } from './createGcalTokenProvider.ts';

/** What the calendar check needs: a service account or an OAuth access token. */
export interface GcalCheckDeps {
  calendarId: string;
  /** Base URL (the sandbox, or unset for www.googleapis.com); its `/token` is then the token URI. */
  apiBase?: string;
  policy: UpstreamPolicy;
  serviceAccount?: { clientEmail: string; privateKey: string };
  accessToken?: string;
}

/** Get a token and read the calendar: accepted, or Google's reason for refusing. */
export async function checkGcalCredentials(deps: GcalCheckDeps): Promise<CredentialCheckResult> {
  const base = (deps.apiBase ?? 'https://www.googleapis.com').replace(/\/+$/, '');
  const describe = (body: unknown) => messageAt(body, 'error', 'message') ?? messageAt(body, 'error_description') ?? messageAt(body, 'error');
  let token = deps.accessToken;
  if (deps.serviceAccount) {
    // A key jose cannot read would fail inside the token exchange; say so before sending anything.
    try {
      await importPKCS8(deps.serviceAccount.privateKey.replace(/\\n/g, '\n'), 'RS256');
    } catch {
      return { ok: false, status: 400, message: 'privateKey is not a PKCS#8 PEM RSA private key' };
    }
    const tokenUri = deps.apiBase ? `${base}/token` : GOOGLE_TOKEN_URI;
    try {
      token = await createServiceAccountTokens({ ...deps.serviceAccount, tokenUri }, deps.policy, systemClock).getToken();
    } catch (err) {
      const rejected = rejectionOf(err, describe);
      if (rejected) return rejected;
      throw err;
    }
  }
  if (!token) return { ok: false, status: 400, message: 'neither a service account nor an access token was given' };
  try {
    await requestJson(deps.policy, { url: `${base}/calendar/v3/calendars/${encodeURIComponent(deps.calendarId)}`, headers: { authorization: `Bearer ${token}` } });
    return { ok: true };
  } catch (err) {
    const rejected = rejectionOf(err, describe);
    if (rejected) return rejected.status === 404 ? { ...rejected, message: `${rejected.message} (calendar ${deps.calendarId} does not exist or is not shared with these credentials)` } : rejected;
    throw err;
  }
}
