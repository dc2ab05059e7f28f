/** HubSpot credential check: `GET /crm/v3/objects/contacts?limit=1` with the bearer token. */
import { requestJson, type UpstreamPolicy } from '../../resilience/index.ts';
import { messageAt, rejectionOf, type CredentialCheckResult } from '../credentialCheck.ts';

/** What the HubSpot check needs. */
export interface HubspotCheckDeps {
  /** A private-app token or an OAuth access token. */
  accessToken: string;
  /** Base URL (the sandbox, or unset for api.hubapi.com). */
  apiBase?: string;
  policy: UpstreamPolicy;
}

/** One authenticated read with the token: accepted, or HubSpot's reason for refusing it. */
export async function checkHubspotCredentials(deps: HubspotCheckDeps): Promise<CredentialCheckResult> {
  const url = new URL('/crm/v3/objects/contacts', deps.apiBase ?? 'https://api.hubapi.com');
  url.searchParams.set('limit', '1');
  try {
    await requestJson(deps.policy, { url: url.toString(), headers: { authorization: `Bearer ${deps.accessToken}` } });
    return { ok: true };
  } catch (err) {
    const rejected = rejectionOf(err, (body) => messageAt(body, 'message'));
    if (rejected) return rejected;
    throw err;
  }
}
