/**
 * HubSpot's OAuth authorization server, as the simulator plays it:
 *   GET  /oauth/authorize?client_id&redirect_uri&scope&state[&portal=<n>]
 *        → 302 redirect_uri?code&state. Headless: no login or consent page; the simulator
 *          consents at once as portal `portal` (default 1).
 *   POST /oauth/v1/token (form) grant_type=authorization_code (client_id, client_secret,
 *        redirect_uri, code) | refresh_token (client_id, client_secret, refresh_token)
 *        → { token_type: 'bearer', access_token, refresh_token, expires_in }
 *        Errors as HubSpot: 400 { status: BAD_AUTH_CODE | BAD_REFRESH_TOKEN | BAD_CLIENT_ID |
 *        BAD_CLIENT_SECRET | BAD_REDIRECT_URI | BAD_GRANT_TYPE, message, correlationId }.
 *   POST /__sandbox/oauth/revoke { refresh_token } → { revoked: true } (the portal uninstalled the app)
 * Codes live 10 simulated minutes and work once. Access tokens live `tokenTtlS` (1800 when 0,
 * HubSpot's 30 minutes); a refresh answers the same refresh token, as HubSpot does.
 *
 * Kept from before the flow existed, so tests can mint tokens without it: `client_credentials`,
 * and `refresh_token` with a token the simulator never issued from any client other than the
 * development app, give portal 1 a token that expires only when `tokenTtlS` > 0.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AccountBook, FaultState, OAuthGrants, SimClock } from '../common/index.ts';
import { HUBSPOT_OAUTH_CLIENT } from './portalCredentials.ts';

/** How long an authorization code can be exchanged (simulated ms). */
export const HUBSPOT_CODE_TTL_MS = 10 * 60_000;
/** HubSpot's access-token lifetime (s) when the `tokenTtlS` knob is 0. */
export const HUBSPOT_DEFAULT_TOKEN_TTL_S = 1800;

/** What the OAuth routes need from the simulator. */
export interface HubspotOAuthDeps {
  grants: OAuthGrants;
  accounts: Pick<AccountBook<unknown>, 'has'>;
  faults: FaultState;
  clock: SimClock;
}

type Form = Record<string, unknown>;

function oauthError(reply: FastifyReply, status: string, message: string): FastifyReply {
  return reply.code(400).send({ status, message, correlationId: randomUUID() });
}

const revokeBody = z.object({ refresh_token: z.string().min(1) }).strict();

/** Register the authorize, token and revoke routes on `app`. */
export function registerHubspotOAuth(app: FastifyInstance, deps: HubspotOAuthDeps): void {
  const ttlS = () => deps.faults.get().tokenTtlS || HUBSPOT_DEFAULT_TOKEN_TTL_S;
  const tokens = (account: number, refreshToken: string, ttlMs: number) => ({
    token_type: 'bearer',
    refresh_token: refreshToken,
    access_token: deps.grants.issueAccess(account, ttlMs),
    expires_in: ttlS(),
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/oauth/authorize', async (req, reply) => {
    const q = req.query;
    if (q.client_id !== HUBSPOT_OAUTH_CLIENT.clientId) return oauthError(reply, 'BAD_CLIENT_ID', 'missing or unknown client_id');
    if (!q.redirect_uri || !URL.canParse(q.redirect_uri)) return oauthError(reply, 'BAD_REDIRECT_URI', 'missing or invalid redirect_uri');
    const portal = q.portal === undefined ? 1 : Number(q.portal);
    if (!deps.accounts.has(portal)) return oauthError(reply, 'BAD_PORTAL', `no portal ${q.portal}`);
    const code = deps.grants.issueCode({ account: portal, clientId: q.client_id, redirectUri: q.redirect_uri, scope: q.scope ?? '' }, HUBSPOT_CODE_TTL_MS);
    const to = new URL(q.redirect_uri);
    to.searchParams.set('code', code);
    if (q.state !== undefined) to.searchParams.set('state', q.state);
    return reply.redirect(to.toString(), 302);
  });

  app.post('/oauth/v1/token', async (req, reply) => {
    const body = (req.body ?? {}) as Form;
    const grantType = String(body.grant_type ?? '');
    const clientId = body.client_id === undefined ? undefined : String(body.client_id);
    const devClient = clientId === HUBSPOT_OAUTH_CLIENT.clientId;
    const checkSecret = () => (body.client_secret === HUBSPOT_OAUTH_CLIENT.clientSecret ? undefined : oauthError(reply, 'BAD_CLIENT_SECRET', 'missing or invalid client secret'));

    if (grantType === 'authorization_code') {
      if (!devClient) return oauthError(reply, 'BAD_CLIENT_ID', 'missing or unknown client_id');
      const bad = checkSecret();
      if (bad) return bad;
      const grant = deps.grants.takeCode(String(body.code ?? ''));
      if (!grant || grant.clientId !== clientId) return oauthError(reply, 'BAD_AUTH_CODE', 'missing or unknown auth code');
      if (grant.redirectUri !== body.redirect_uri) return oauthError(reply, 'BAD_REDIRECT_URI', 'redirect_uri does not match the one used to obtain the auth code');
      const refresh = deps.grants.issueRefresh({ account: grant.account, clientId: grant.clientId, scope: grant.scope });
      return tokens(grant.account, refresh, ttlS() * 1000);
    }
    if (grantType === 'refresh_token') {
      const refreshToken = String(body.refresh_token ?? '');
      const grant = deps.grants.refresh(refreshToken);
      if (grant) {
        if (clientId !== grant.clientId) return oauthError(reply, 'BAD_CLIENT_ID', 'missing or unknown client_id');
        const bad = checkSecret();
        if (bad) return bad;
        if (grant.revoked) return oauthError(reply, 'BAD_REFRESH_TOKEN', 'missing or invalid refresh token');
        return tokens(grant.account, refreshToken, ttlS() * 1000);
      }
      if (devClient || refreshToken === '') return oauthError(reply, 'BAD_REFRESH_TOKEN', 'missing or invalid refresh token');
      return tokens(1, refreshToken, deps.faults.get().tokenTtlS * 1000);
    }
    if (grantType === 'client_credentials') return tokens(1, `sim-refresh-${randomUUID()}`, deps.faults.get().tokenTtlS * 1000);
    return oauthError(reply, 'BAD_GRANT_TYPE', 'missing or unknown grant type');
  });

  app.post('/__sandbox/oauth/revoke', async (req, reply) => {
    const parsed = revokeBody.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: 'invalid_revoke', message: z.prettifyError(parsed.error) });
    return deps.grants.revoke(parsed.data.refresh_token) ? { revoked: true } : reply.code(404).send({ error: 'unknown_refresh_token' });
  });
}
