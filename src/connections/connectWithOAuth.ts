/**
 * The OAuth connect flow, both halves: start (a state and PKCE verifier stored, the vendor's
 * authorize URL answered) and complete (the state taken, the code exchanged, the connection
 * created with the tokens sealed). The redirect URI is `<public base>/connect/<provider>/callback`
 * — the URL to register with the vendor's app (docs/connections.md, "Connecting with OAuth").
 */
import { publicBaseUrl, type Config, type OAuthProvider } from '../config.ts';
import type { Pool } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { systemClock, type Clock, type UpstreamPolicy } from '../resilience/index.ts';
import { requireBox } from './connectionDeps.ts';
import { nameTaken, type Connection } from './connectionRows.ts';
import { createConnection } from './createConnection.ts';
import type { CredentialCheck } from './createCredentialChecker.ts';
import { authorizeUrlOf, DEFAULT_SCOPES, exchangeCode, oauthClientOf } from './oauthClients.ts';
import { saveOAuthState, takeOAuthState } from './oauthStates.ts';
import type { SecretBox } from './secretBox.ts';

/** What the flow needs. */
export interface OAuthConnectDeps {
  pool: Pool;
  box: SecretBox | undefined;
  config: Config;
  check: CredentialCheck;
  /** The policy of the provider's token endpoint. */
  policyFor: (provider: OAuthProvider) => UpstreamPolicy;
  clock?: Clock;
}

/** Where the vendor sends the user back: this server's callback route under its public base URL. */
export function redirectUriOf(config: Config, provider: OAuthProvider): string {
  return `${publicBaseUrl(config)}/connect/${provider}/callback`;
}

/** Start a flow for a connection to be named `name`: the URL to send the user to, and its state. */
export async function startConnect(deps: OAuthConnectDeps, provider: OAuthProvider, opts: { name: string; scopes?: string }): Promise<{ authorizeUrl: string; state: string; expiresAt: Date }> {
  const client = oauthClientOf(deps.config, provider);
  const box = requireBox(deps.box);
  // Said now rather than after the user consented.
  const taken = await deps.pool.query('SELECT 1 FROM connections WHERE provider = $1 AND name = $2', [provider, opts.name]);
  if (taken.rowCount) throw nameTaken(provider, opts.name);
  const redirectUri = redirectUriOf(deps.config, provider);
  const flow = await saveOAuthState(deps.pool, box, { provider, name: opts.name, redirectUri, now: (deps.clock ?? systemClock).now() });
  const authorizeUrl = authorizeUrlOf(provider, client, { redirectUri, state: flow.state, scopes: opts.scopes ?? DEFAULT_SCOPES[provider], verifier: flow.verifier });
  return { authorizeUrl, state: flow.state, expiresAt: flow.expiresAt };
}

/** The callback's query as the vendor sends it: a code and the state, or an error. */
export interface CallbackQuery {
  code?: string | undefined;
  state?: string | undefined;
  error?: string | undefined;
  error_description?: string | undefined;
}

/** Complete a flow: verify the state, exchange the code, create the connection. */
export async function completeConnect(deps: OAuthConnectDeps, provider: OAuthProvider, query: CallbackQuery): Promise<Connection> {
  const box = requireBox(deps.box);
  if (query.error) {
    // The flow is over either way: its state must not be completed later.
    if (query.state) await takeOAuthState(deps.pool, box, provider, query.state).catch(() => undefined);
    const what = query.error === 'access_denied' ? 'the user denied access' : `the vendor answered ${query.error}`;
    throw new AppError('oauth_denied', `${provider} did not connect: ${what}${query.error_description ? ` (${query.error_description.slice(0, 200)})` : ''}; nothing was stored`, { details: { provider, vendorError: query.error } });
  }
  if (!query.state) throw new AppError('oauth_state_invalid', `the ${provider} callback came without a state; start again with GET /connect/${provider}`, { details: { provider } });
  const flow = await takeOAuthState(deps.pool, box, provider, query.state);
  if (!query.code) throw new AppError('validation_failed', `the ${provider} callback came without a code; start again with GET /connect/${provider}`, { details: { field: 'code' } });
  const client = oauthClientOf(deps.config, provider);
  const tokens = await exchangeCode(deps.policyFor(provider), provider, client, { code: query.code, redirectUri: flow.redirectUri, verifier: flow.verifier, now: (deps.clock ?? systemClock).now() });
  // The credential check runs like on any create: a fresh token passes it.
  return createConnection({ pool: deps.pool, box, check: deps.check }, { provider, name: flow.name, credentials: tokens });
}
