import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { s256Challenge, sandboxAccountCredentials, startSandbox, type Sandbox } from '../../src/sandbox/index.ts';

const REDIRECT = 'http://127.0.0.1:9/callback';
const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;
const form = (url: string, body: Record<string, string>) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() });
const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Follow nothing: the authorize endpoint's 302 Location carries the code. */
async function authorize(url: string): Promise<URL> {
  const res = await fetch(url, { redirect: 'manual' });
  assert.equal(res.status, 302);
  return new URL(res.headers.get('location')!);
}

describe('sandbox: OAuth authorization-code flows', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startSandbox({ basePort: 0, only: ['hubspot', 'gcal'], env: { SANDBOX_HUBSPOT_ACCOUNTS: '2', SANDBOX_GCAL_ACCOUNTS: '2', SANDBOX_HUBSPOT_RECORDS: '20', SANDBOX_GCAL_RECORDS: '20' } });
  });
  after(() => sb.close());

  describe('hubspot', () => {
    const client = () => ({ client_id: sb.credentials.hubspot.oauthClientId, client_secret: sb.credentials.hubspot.oauthClientSecret });
    const authUrl = (portal: number, state: string) =>
      `${sb.urls.hubspot}/oauth/authorize?${new URLSearchParams({ client_id: sb.credentials.hubspot.oauthClientId, redirect_uri: REDIRECT, scope: 'crm.objects.deals.read', state, portal: String(portal) })}`;
    const deals = (token: string) => fetch(`${sb.urls.hubspot}/crm/v3/objects/deals?limit=5`, { headers: { authorization: `Bearer ${token}` } });

    it('authorize redirects with code and state; the code buys tokens acting as the chosen portal; the code is single-use and redirect_uri must match', async () => {
      const loc = await authorize(authUrl(2, 'st-1'));
      assert.equal(`${loc.origin}${loc.pathname}`, REDIRECT);
      assert.equal(loc.searchParams.get('state'), 'st-1');
      const code = loc.searchParams.get('code')!;
      const wrongUri = await form(`${sb.urls.hubspot}/oauth/v1/token`, { grant_type: 'authorization_code', ...client(), redirect_uri: 'http://127.0.0.1:9/other', code });
      assert.equal(wrongUri.status, 400);
      assert.equal((await json<{ status: string }>(wrongUri)).status, 'BAD_REDIRECT_URI');

      const loc2 = await authorize(authUrl(2, 'st-2'));
      const code2 = loc2.searchParams.get('code')!;
      const res = await form(`${sb.urls.hubspot}/oauth/v1/token`, { grant_type: 'authorization_code', ...client(), redirect_uri: REDIRECT, code: code2 });
      assert.equal(res.status, 200);
      const tok = await json<{ access_token: string; refresh_token: string; expires_in: number; token_type: string }>(res);
      assert.equal(tok.token_type, 'bearer');
      assert.equal(tok.expires_in, 1800);
      const viaOAuth = await json<{ results: Array<{ id: string }> }>(await deals(tok.access_token));
      const viaPortalToken = await json<{ results: Array<{ id: string }> }>(await deals(sandboxAccountCredentials('hubspot', 2).accessToken));
      assert.deepEqual(viaOAuth.results.map((r) => r.id), viaPortalToken.results.map((r) => r.id));

      const again = await form(`${sb.urls.hubspot}/oauth/v1/token`, { grant_type: 'authorization_code', ...client(), redirect_uri: REDIRECT, code: code2 });
      assert.equal(again.status, 400);
      assert.equal((await json<{ status: string }>(again)).status, 'BAD_AUTH_CODE');
    });

    it('refresh answers a new access token and the same refresh token; an expired access token gets 401 EXPIRED_AUTHENTICATION; a revoked refresh token is BAD_REFRESH_TOKEN', async () => {
      const code = (await authorize(authUrl(1, 's'))).searchParams.get('code')!;
      const tok = await json<{ access_token: string; refresh_token: string; expires_in: number }>(await form(`${sb.urls.hubspot}/oauth/v1/token`, { grant_type: 'authorization_code', ...client(), redirect_uri: REDIRECT, code }));
      sb.simulators.hubspot!.clock.advance(tok.expires_in * 1000);
      const late = await deals(tok.access_token);
      assert.equal(late.status, 401);
      assert.equal((await json<{ category: string }>(late)).category, 'EXPIRED_AUTHENTICATION');

      const refreshed = await form(`${sb.urls.hubspot}/oauth/v1/token`, { grant_type: 'refresh_token', ...client(), refresh_token: tok.refresh_token });
      assert.equal(refreshed.status, 200);
      const next = await json<{ access_token: string; refresh_token: string }>(refreshed);
      assert.equal(next.refresh_token, tok.refresh_token);
      assert.notEqual(next.access_token, tok.access_token);
      assert.equal((await deals(next.access_token)).status, 200);

      assert.equal((await post(`${sb.urls.hubspot}/__sandbox/oauth/revoke`, { refresh_token: tok.refresh_token })).status, 200);
      const refused = await form(`${sb.urls.hubspot}/oauth/v1/token`, { grant_type: 'refresh_token', ...client(), refresh_token: tok.refresh_token });
      assert.equal(refused.status, 400);
      assert.equal((await json<{ status: string }>(refused)).status, 'BAD_REFRESH_TOKEN');
    });
  });

  describe('google', () => {
    const client = () => ({ client_id: sb.credentials.gcal.oauthClientId, client_secret: sb.credentials.gcal.oauthClientSecret });
    const authUrl = (verifier: string, account = 1) =>
      `${sb.urls.gcal}/o/oauth2/v2/auth?${new URLSearchParams({
        client_id: sb.credentials.gcal.oauthClientId,
        redirect_uri: REDIRECT,
        response_type: 'code',
        scope: 'https://www.googleapis.com/auth/calendar.readonly',
        state: 'g-state',
        code_challenge: s256Challenge(verifier),
        code_challenge_method: 'S256',
        access_type: 'offline',
        prompt: 'consent',
        account: String(account),
      })}`;
    const events = (token: string) => fetch(`${sb.urls.gcal}/calendar/v3/calendars/primary/events?maxResults=5`, { headers: { authorization: `Bearer ${token}` } });
    const exchange = (code: string, verifier: string) => form(`${sb.urls.gcal}/token`, { grant_type: 'authorization_code', ...client(), redirect_uri: REDIRECT, code, code_verifier: verifier });

    it('PKCE: a wrong verifier is invalid_grant; the right one buys tokens acting as the consenting account', async () => {
      const verifier = randomBytes(32).toString('base64url');
      const loc = await authorize(authUrl(verifier, 2));
      assert.equal(loc.searchParams.get('state'), 'g-state');
      const wrong = await exchange(loc.searchParams.get('code')!, randomBytes(32).toString('base64url'));
      assert.equal(wrong.status, 400);
      assert.equal((await json<{ error: string }>(wrong)).error, 'invalid_grant');

      const code = (await authorize(authUrl(verifier, 2))).searchParams.get('code')!;
      const res = await exchange(code, verifier);
      assert.equal(res.status, 200);
      const tok = await json<{ access_token: string; refresh_token: string; expires_in: number; token_type: string; scope: string }>(res);
      assert.equal(tok.token_type, 'Bearer');
      assert.equal(tok.expires_in, 3599);
      assert.ok(tok.refresh_token);
      assert.equal(tok.scope, 'https://www.googleapis.com/auth/calendar.readonly');
      const cal = await json<{ items: Array<{ id: string }> }>(await fetch(`${sb.urls.gcal}/calendar/v3/users/me/calendarList`, { headers: { authorization: `Bearer ${tok.access_token}` } }));
      assert.equal(cal.items[0]!.id, sandboxAccountCredentials('gcal', 2).calendarId);
    });

    it('refresh answers a new access token and no refresh token; an expired access token gets 401; a revoked refresh token is invalid_grant', async () => {
      const verifier = randomBytes(32).toString('base64url');
      const code = (await authorize(authUrl(verifier))).searchParams.get('code')!;
      const tok = await json<{ access_token: string; refresh_token: string; expires_in: number }>(await exchange(code, verifier));
      assert.equal((await events(tok.access_token)).status, 200);
      sb.simulators.gcal!.clock.advance(tok.expires_in * 1000);
      const late = await events(tok.access_token);
      assert.equal(late.status, 401);
      assert.equal((await json<{ error: { errors: Array<{ reason: string }> } }>(late)).error.errors[0]!.reason, 'authError');

      const refreshed = await form(`${sb.urls.gcal}/token`, { grant_type: 'refresh_token', ...client(), refresh_token: tok.refresh_token });
      assert.equal(refreshed.status, 200);
      const next = await json<{ access_token: string; refresh_token?: string; token_type: string }>(refreshed);
      assert.equal(next.refresh_token, undefined);
      assert.equal(next.token_type, 'Bearer');
      assert.equal((await events(next.access_token)).status, 200);

      assert.equal((await post(`${sb.urls.gcal}/__sandbox/oauth/revoke`, { refresh_token: tok.refresh_token })).status, 200);
      const refused = await form(`${sb.urls.gcal}/token`, { grant_type: 'refresh_token', ...client(), refresh_token: tok.refresh_token });
      assert.equal(refused.status, 400);
      assert.deepEqual(await json(refused), { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
    });
  });
});
