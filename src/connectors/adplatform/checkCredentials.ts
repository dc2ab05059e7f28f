/** Ad-platform credential check: its login, `POST /auth/token` with Basic email:password. */
import { z } from 'zod';
import { requestJson, type UpstreamPolicy } from '../../resilience/index.ts';
import { messageAt, rejectionOf, type CredentialCheckResult } from '../credentialCheck.ts';

/** What the ad-platform check needs. */
export interface AdplatformCheckDeps {
  apiUrl: string;
  email: string;
  password: string;
  clientId?: string;
  policy: UpstreamPolicy;
}

const tokenSchema = z.object({ access_token: z.string().min(1) });

/** Log in once: accepted when the platform issues a token, else its reason for refusing. */
export async function checkAdplatformCredentials(deps: AdplatformCheckDeps): Promise<CredentialCheckResult> {
  const basic = `Basic ${Buffer.from(`${deps.email}:${deps.password}`).toString('base64')}`;
  const headers: Record<string, string> = { authorization: basic, ...(deps.clientId ? { 'x-client-id': deps.clientId } : {}) };
  try {
    const res = await requestJson(deps.policy, { method: 'POST', url: `${deps.apiUrl.replace(/\/+$/, '')}/auth/token`, headers });
    // A 2xx without a token is not a login the connector could use.
    if (!tokenSchema.safeParse(res.body).success) return { ok: false, status: res.status, message: 'the login answer carried no access token' };
    return { ok: true };
  } catch (err) {
    const rejected = rejectionOf(err, (body) => [messageAt(body, 'error'), messageAt(body, 'message')].filter(Boolean).join(': ') || undefined);
    if (rejected) return rejected;
    throw err;
  }
}
