/**
 * The vendors' OAuth apps as Buffalo uses them: which client and endpoints a provider has
 * (config.oauth; in development the simulators'), the authorize URL a user is sent to, and the
 * two token-endpoint calls — the code exchange at the callback and the refresh of an access
 * token. Tokens and codes pass through here and are never logged.
 *
 * PKCE: Google takes an S256 challenge (and requires it of Buffalo here). HubSpot documents no
 * PKCE parameter for its authorize URL (client_id, scope, redirect_uri, optional_scope, state),
 * so it gets none; its code is bound to the client secret and the redirect URI instead.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Config, OAuthClientConfig, OAuthProvider } from '../config.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { createPolicy, requestJson, UpstreamHttpError, type UpstreamPolicy } from '../resilience/index.ts';

/** An OAuth client whose id and secret are set. */
export type ConfiguredClient = OAuthClientConfig & { clientId: string; clientSecret: string };

/** A connection's OAuth tokens, as its credentials store them. */
export interface OAuthTokens {
  accessToken: string;
  refreshToken: string;
  /** ISO 8601. */
  expiresAt: string;
}

/** Scopes asked for when the caller names none: read access to what the connectors sync. */
export const DEFAULT_SCOPES: Record<OAuthProvider, string> = {
  hubspot: 'oauth crm.objects.contacts.read crm.objects.deals.read',
  gcal: 'https://www.googleapis.com/auth/calendar.readonly',
};

const VARIABLES: Record<OAuthProvider, [string, string]> = {
  hubspot: ['HUBSPOT_OAUTH_CLIENT_ID', 'HUBSPOT_OAUTH_CLIENT_SECRET'],
  gcal: ['GOOGLE_OAUTH_CLIENT_ID', 'GOOGLE_OAUTH_CLIENT_SECRET'],
};

/** The provider's OAuth client, or 503 upstream_not_configured naming the variables to set. */
export function oauthClientOf(config: Config, provider: OAuthProvider): ConfiguredClient {
  const client = config.oauth[provider];
  if (client.clientId && client.clientSecret) return { ...client, clientId: client.clientId, clientSecret: client.clientSecret };
  const missing = VARIABLES[provider].filter((_, i) => !(i === 0 ? client.clientId : client.clientSecret));
  throw new AppError('upstream_not_configured', `${provider} OAuth is not configured: set ${missing.join(', ')}`, { details: { upstream: provider, missing } });
}

/** The S256 PKCE challenge of `verifier` (RFC 7636). */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** The vendor's authorize URL the user's browser is sent to. */
export function authorizeUrlOf(provider: OAuthProvider, client: ConfiguredClient, opts: { redirectUri: string; state: string; scopes: string; verifier: string }): string {
  const url = new URL(client.authorizeUrl);
  const q = url.searchParams;
  q.set('client_id', client.clientId);
  q.set('redirect_uri', opts.redirectUri);
  q.set('scope', opts.scopes);
  q.set('state', opts.state);
  if (provider === 'gcal') {
    q.set('response_type', 'code');
    q.set('code_challenge', pkceChallenge(opts.verifier));
    q.set('code_challenge_method', 'S256');
    // A refresh token, and a new one on every consent (Google sends one only on the first otherwise).
    q.set('access_type', 'offline');
    q.set('prompt', 'consent');
  }
  return url.toString();
}

const tokenAnswer = z.object({ access_token: z.string().min(1), refresh_token: z.string().min(1).optional(), expires_in: z.number().positive() });

/** The policy token-endpoint calls run on (`<provider>-oauth`): a short retry, no share of a sync's rate budget or breaker. */
export function createOAuthPolicy(config: Config, provider: OAuthProvider, logger: Logger): UpstreamPolicy {
  const base = config.resilience[provider];
  return createPolicy(`${provider}-oauth`, { ...base, maxAttempts: 2, deadlineMs: Math.min(base.deadlineMs, 20_000), rateLimitPerMin: 0 }, { logger });
}

async function postToken(policy: UpstreamPolicy, client: ConfiguredClient, form: Record<string, string>): Promise<z.infer<typeof tokenAnswer>> {
  const body = new URLSearchParams({ ...form, client_id: client.clientId, client_secret: client.clientSecret }).toString();
  const res = await requestJson(policy, { method: 'POST', url: client.tokenUrl, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body });
  const parsed = tokenAnswer.safeParse(res.body);
  // The body holds tokens: say only which field is off.
  if (!parsed.success) throw new Error(`the token endpoint answered without ${parsed.error.issues[0]?.path.join('.') ?? 'the expected fields'}`);
  return parsed.data;
}

/** Exchange an authorization code (with its PKCE verifier for Google) for tokens; `now` stamps their expiry. */
export async function exchangeCode(policy: UpstreamPolicy, provider: OAuthProvider, client: ConfiguredClient, opts: { code: string; redirectUri: string; verifier: string; now: number }): Promise<OAuthTokens> {
  let answer: z.infer<typeof tokenAnswer>;
  try {
    answer = await postToken(policy, client, { grant_type: 'authorization_code', code: opts.code, redirect_uri: opts.redirectUri, ...(provider === 'gcal' ? { code_verifier: opts.verifier } : {}) });
  } catch (err) {
    if (err instanceof UpstreamHttpError && err.status >= 400 && err.status < 500) {
      throw new AppError('oauth_exchange_failed', `${provider} refused the authorization code (${refusalOf(err)}); start again with GET /connect/${provider}`, { details: { provider } });
    }
    throw err;
  }
  if (!answer.refresh_token) throw new AppError('oauth_exchange_failed', `${provider} answered no refresh token, so the connection could not stay connected; start again with GET /connect/${provider}`, { details: { provider } });
  return { accessToken: answer.access_token, refreshToken: answer.refresh_token, expiresAt: new Date(opts.now + answer.expires_in * 1000).toISOString() };
}

/** Refresh an access token; the refresh token comes back only when the vendor rotated it (Google usually does not). */
export async function refreshTokens(policy: UpstreamPolicy, client: ConfiguredClient, refreshToken: string): Promise<{ accessToken: string; refreshToken?: string; expiresInMs: number }> {
  const answer = await postToken(policy, client, { grant_type: 'refresh_token', refresh_token: refreshToken });
  return { accessToken: answer.access_token, ...(answer.refresh_token ? { refreshToken: answer.refresh_token } : {}), expiresInMs: answer.expires_in * 1000 };
}

/** True when the vendor refused the refresh token itself (revoked, expired, app uninstalled): only a new consent helps. */
export function isRefusedGrant(err: unknown): boolean {
  if (!(err instanceof UpstreamHttpError) || err.status !== 400) return false;
  const body = err.body as { error?: unknown; status?: unknown } | undefined;
  return body?.error === 'invalid_grant' || body?.status === 'BAD_REFRESH_TOKEN';
}

/** The vendor's error code for a refused token call (`invalid_grant`, `BAD_REFRESH_TOKEN`, …), never its tokens. */
export function refusalOf(err: UpstreamHttpError): string {
  const body = err.body as { error?: unknown; status?: unknown } | undefined;
  const code = typeof body?.error === 'string' ? body.error : typeof body?.status === 'string' ? body.status : undefined;
  return code ? `${code}, HTTP ${err.status}` : `HTTP ${err.status}`;
}
