/**
 * The OAuth connect routes: `GET /connect/:provider` (X-Admin-Api-Key) starts a flow and answers
 * the vendor's authorize URL; `GET /connect/:provider/callback` is where the vendor sends the
 * user's browser back — no API key there, the single-use state is the authentication. Codes,
 * tokens and verifiers are never logged or answered (request logging is off in the app shell;
 * errors name what failed, not values).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { OAUTH_PROVIDERS, type Config, type OAuthProvider } from '../config.ts';
import type { Pool } from '../db/index.ts';
import { requireAdminKey } from '../http/index.ts';
import type { Logger } from '../log.ts';
import type { UpstreamPolicy } from '../resilience/index.ts';
import { errorView } from './connectionSchemas.ts';
import { completeConnect, startConnect } from './connectWithOAuth.ts';
import type { CredentialCheck } from './createCredentialChecker.ts';
import { createOAuthPolicy } from './oauthClients.ts';
import type { SecretBox } from './secretBox.ts';

/** Options of {@link oauthRoutes}. */
export interface OAuthRoutesOptions {
  pool: Pool;
  box: SecretBox | undefined;
  config: Config;
  check: CredentialCheck;
  logger: Logger;
}

const TAGS = ['connections'];
const providerParams = z.object({ provider: z.enum(OAUTH_PROVIDERS, { error: 'expected hubspot or gcal' }) });
const connectQuery = z.object({
  name: z.string().trim().min(1).max(200).describe('the name the new connection gets (unique per provider)'),
  scopes: z.string().trim().min(1).max(1000).optional().describe('space-separated scopes (default: read access to what Buffalo syncs)'),
});
const connectAnswer = z.object({
  authorizeUrl: z.string().describe('send the user\'s browser here'),
  state: z.string().describe('single use; the vendor hands it back to the callback'),
  expiresAt: z.string().describe('the flow must complete before this time'),
});
const callbackQuery = z.object({ code: z.string().max(4096).optional(), state: z.string().max(512).optional(), error: z.string().max(200).optional(), error_description: z.string().max(2000).optional() });
const connectedView = z.object({ connectionId: z.string(), provider: z.enum(OAUTH_PROVIDERS), name: z.string(), status: z.string() });

/** Register with `app.register(oauthRoutes, { pool, box, config, check, logger })`. */
export const oauthRoutes: FastifyPluginAsyncZod<OAuthRoutesOptions> = async (app, opts) => {
  const policies = new Map<OAuthProvider, UpstreamPolicy>();
  const policyFor = (provider: OAuthProvider) => {
    let policy = policies.get(provider);
    if (!policy) policies.set(provider, (policy = createOAuthPolicy(opts.config, provider, opts.logger)));
    return policy;
  };
  const deps = { pool: opts.pool, box: opts.box, config: opts.config, check: opts.check, policyFor };

  app.get(
    '/connect/:provider',
    {
      onRequest: requireAdminKey,
      schema: {
        summary: 'Start connecting a HubSpot portal or a Google account with OAuth',
        description:
          'Answers the vendor\'s authorize URL (client id, redirect URI `<PUBLIC_URL>/connect/:provider/callback`, scopes, a random single-use `state` valid 10 minutes; for Google also a PKCE S256 challenge, `access_type=offline` and `prompt=consent`). Send the user\'s browser there; the vendor sends it back to the callback, which creates the connection named `name`. 409 when that name is taken; 503 `upstream_not_configured` naming the OAuth client variables when they are not set.',
        tags: TAGS,
        security: [{ adminApiKey: [] }],
        params: providerParams,
        querystring: connectQuery,
        response: { 200: connectAnswer, 400: errorView, 401: errorView, 409: errorView, 503: errorView },
      },
    },
    async (request) => {
      const started = await startConnect(deps, request.params.provider, request.query);
      return { authorizeUrl: started.authorizeUrl, state: started.state, expiresAt: started.expiresAt.toISOString() };
    },
  );

  app.get(
    '/connect/:provider/callback',
    {
      schema: {
        summary: 'Where the vendor sends the user back: creates the connection',
        description:
          'No API key: the single-use `state` authenticates the call. Exchanges the `code` (with the PKCE verifier for Google), checks the tokens and creates the connection with them sealed. Answers JSON (a browser shows it as is). 400 `oauth_state_invalid` for an unknown, used or expired state, `oauth_denied` when the user refused (`error=access_denied`), `oauth_exchange_failed` when the vendor refused the code; 409 when the name was taken meanwhile.',
        tags: TAGS,
        params: providerParams,
        querystring: callbackQuery,
        response: { 200: connectedView, 400: errorView, 409: errorView, 422: errorView, 502: errorView, 503: errorView },
      },
    },
    async (request) => {
      const provider = request.params.provider;
      const connection = await completeConnect(deps, provider, request.query);
      return { connectionId: connection.id, provider, name: connection.name, status: connection.status };
    },
  );
};
