/**
 * Google's OAuth 2.0 endpoints, as the simulator plays them:
 *   GET  /o/oauth2/v2/auth?client_id&redirect_uri&response_type=code&scope&state
 *        [&code_challenge&code_challenge_method=S256][&access_type=offline][&prompt][&account=<n>]
 *        → 302 redirect_uri?code&state&scope. Headless: no sign-in or consent screen; the
 *          simulator consents at once as account `account` (default 1).
 *   POST /token (form) grant_type=authorization_code (client_id, client_secret, redirect_uri,
 *        code, code_verifier when a challenge was sent) | refresh_token (client_id,
 *        client_secret, refresh_token) | the service-account JWT bearer grant (assertion).
 *        → { access_token, expires_in, refresh_token (code exchange with access_type=offline
 *        only), scope, token_type: 'Bearer' }; a refresh answers no new refresh token.
 *        Errors as Google: 400 { error: 'invalid_grant' | 'redirect_uri_mismatch' |
 *        'unsupported_grant_type', error_description }, 401 { error: 'invalid_client' }.
 *   POST /__sandbox/oauth/revoke { refresh_token } → { revoked: true } (the user removed access)
 * Codes live 10 simulated minutes and work once. OAuth access tokens live `tokenTtlS` (3599 when
 * 0, Google's hour); service-account tokens expire only when `tokenTtlS` > 0, as before.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { accountInCredential, type AccountBook, type FaultState, type OAuthGrants, type SimClock } from '../common/index.ts';
import { assertionIssuer, GCAL_ACCOUNT_EMAIL_FORM, GOOGLE_OAUTH_CLIENT } from './accountCredentials.ts';

/** How long an authorization code can be exchanged (simulated ms). */
export const GOOGLE_CODE_TTL_MS = 10 * 60_000;
/** Google's access-token lifetime (s) when the `tokenTtlS` knob is 0. */
export const GOOGLE_DEFAULT_TOKEN_TTL_S = 3599;

/** What the OAuth routes need from the simulator. */
export interface GoogleOAuthDeps {
  grants: OAuthGrants;
  accounts: Pick<AccountBook<unknown>, 'has'>;
  faults: FaultState;
  clock: SimClock;
}

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const revokeBody = z.object({ refresh_token: z.string().min(1) }).strict();

function tokenError(reply: FastifyReply, status: 400 | 401, error: string, description: string): FastifyReply {
  return reply.code(status).send({ error, error_description: description });
}

/** The S256 challenge of a PKCE verifier (RFC 7636: base64url of its SHA-256). */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** Register the authorize, token and revoke routes on `app`. */
export function registerGoogleOAuth(app: FastifyInstance, deps: GoogleOAuthDeps): void {
  const oauthTtlS = () => deps.faults.get().tokenTtlS || GOOGLE_DEFAULT_TOKEN_TTL_S;

  app.get<{ Querystring: Record<string, string | undefined> }>('/o/oauth2/v2/auth', async (req, reply) => {
    const q = req.query;
    if (q.client_id !== GOOGLE_OAUTH_CLIENT.clientId) return reply.code(401).send({ error: 'invalid_client', error_description: 'The OAuth client was not found.' });
    if (!q.redirect_uri || !URL.canParse(q.redirect_uri)) return reply.code(400).send({ error: 'redirect_uri_mismatch', error_description: 'Missing or invalid redirect_uri.' });
    if (q.response_type !== 'code') return reply.code(400).send({ error: 'unsupported_response_type', error_description: `Unsupported response_type: ${q.response_type ?? ''}` });
    if (q.code_challenge !== undefined && q.code_challenge_method !== 'S256') {
      return reply.code(400).send({ error: 'invalid_request', error_description: 'Invalid code_challenge_method (the simulator supports S256 only).' });
    }
    const account = q.account === undefined ? 1 : Number(q.account);
    if (!deps.accounts.has(account)) return reply.code(400).send({ error: 'invalid_request', error_description: `No account ${q.account}.` });
    const code = deps.grants.issueCode(
      { account, clientId: q.client_id, redirectUri: q.redirect_uri, scope: q.scope ?? '', ...(q.code_challenge ? { codeChallenge: q.code_challenge } : {}), offline: q.access_type === 'offline' },
      GOOGLE_CODE_TTL_MS,
    );
    const to = new URL(q.redirect_uri);
    if (q.state !== undefined) to.searchParams.set('state', q.state);
    to.searchParams.set('code', code);
    to.searchParams.set('scope', q.scope ?? '');
    return reply.redirect(to.toString(), 302);
  });

  app.post('/token', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const grantType = String(body.grant_type ?? '');
    const clientOk = () => body.client_id === GOOGLE_OAUTH_CLIENT.clientId && body.client_secret === GOOGLE_OAUTH_CLIENT.clientSecret;

    if (grantType === 'authorization_code') {
      if (!clientOk()) return tokenError(reply, 401, 'invalid_client', 'Unauthorized');
      const code = String(body.code ?? '');
      const grant = deps.grants.takeCode(code);
      if (!grant) return tokenError(reply, 400, 'invalid_grant', 'Bad Request');
      if (grant.redirectUri !== body.redirect_uri) return tokenError(reply, 400, 'redirect_uri_mismatch', 'Bad Request');
      const verifier = body.code_verifier === undefined ? undefined : String(body.code_verifier);
      if (grant.codeChallenge !== undefined && verifier === undefined) return tokenError(reply, 400, 'invalid_grant', 'Missing code verifier.');
      if (grant.codeChallenge === undefined && verifier !== undefined) return tokenError(reply, 400, 'invalid_grant', 'code_verifier or verifier is not needed.');
      if (grant.codeChallenge !== undefined && s256Challenge(verifier!) !== grant.codeChallenge) return tokenError(reply, 400, 'invalid_grant', 'Invalid code verifier.');
      const refresh = grant.offline ? { refresh_token: deps.grants.issueRefresh({ account: grant.account, clientId: grant.clientId, scope: grant.scope }) } : {};
      return { access_token: deps.grants.issueAccess(grant.account, oauthTtlS() * 1000), expires_in: oauthTtlS(), ...refresh, scope: grant.scope, token_type: 'Bearer' };
    }
    if (grantType === 'refresh_token') {
      if (!clientOk()) return tokenError(reply, 401, 'invalid_client', 'Unauthorized');
      const grant = deps.grants.refresh(String(body.refresh_token ?? ''));
      if (!grant || grant.revoked || grant.clientId !== body.client_id) return tokenError(reply, 400, 'invalid_grant', 'Token has been expired or revoked.');
      return { access_token: deps.grants.issueAccess(grant.account, oauthTtlS() * 1000), expires_in: oauthTtlS(), scope: grant.scope, token_type: 'Bearer' };
    }
    if (grantType === JWT_BEARER || grantType === 'client_credentials') {
      // A service account acts as itself: the JWT's issuer names the account (unknown issuers: account 1).
      const account = accountInCredential(assertionIssuer(body.assertion), GCAL_ACCOUNT_EMAIL_FORM.prefix, GCAL_ACCOUNT_EMAIL_FORM.suffix, deps.accounts) ?? 1;
      const ttl = deps.faults.get().tokenTtlS;
      return { access_token: deps.grants.issueAccess(account, ttl * 1000), expires_in: ttl > 0 ? ttl : GOOGLE_DEFAULT_TOKEN_TTL_S, token_type: 'Bearer' };
    }
    return tokenError(reply, 400, 'unsupported_grant_type', 'Invalid grant_type');
  });

  app.post('/__sandbox/oauth/revoke', async (req, reply) => {
    const parsed = revokeBody.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: 'invalid_revoke', message: z.prettifyError(parsed.error) });
    return deps.grants.revoke(parsed.data.refresh_token) ? { revoked: true } : reply.code(404).send({ error: 'unknown_refresh_token' });
  });
}
