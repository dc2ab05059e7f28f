/**
 * The token provider of a connection whose credentials are OAuth tokens (HubSpot, Google
 * Calendar): the stored access token until shortly before its `expiresAt`, then a refresh with
 * the refresh token at the vendor's token endpoint. Single flight across processes: the work runs
 * inside coordination's shared token provider (a refresh claim on `connectionKey(id)`), which
 * re-reads the connection's credentials once it holds the claim, so of N workers due at once one refreshes
 * and the others take its token. Rotated tokens are sealed back into the connection's credentials
 * (a refresh token the vendor did not rotate is kept). A refused refresh marks the connection
 * broken, notifies, and fails the caller with {@link ConnectionBrokenError}.
 */
import type { Config, OAuthProvider } from '../config.ts';
import { connectionKey, createSharedTokenProvider } from '../coordination/index.ts';
import type { Pool } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { systemClock, UpstreamHttpError, type Clock, type TokenProvider, type UpstreamPolicy } from '../resilience/index.ts';
import { markBroken, type NotifyBroken } from './markBroken.ts';
import { isRefusedGrant, oauthClientOf, refreshTokens, refusalOf, type OAuthTokens } from './oauthClients.ts';
import type { SecretBox } from './secretBox.ts';

/** A connection that cannot sync until someone reconnects it (or sends new credentials). */
export class ConnectionBrokenError extends Error {
  readonly connectionId: string;
  constructor(connectionId: string, reason: string) {
    super(`connection ${connectionId} is broken: ${reason}; reconnect it (GET /connect/<provider>) or PATCH /connections/${connectionId} with new credentials`);
    this.name = 'ConnectionBrokenError';
    this.connectionId = connectionId;
  }
}

/** What the provider needs. */
export interface OAuthTokenProviderDeps {
  pool: Pool;
  box: SecretBox;
  config: Config;
  logger: Logger;
  /** Runs the token-endpoint calls (`<provider>-oauth`, see createOAuthPolicy). */
  policy: UpstreamPolicy;
  notify: NotifyBroken;
  clock?: Clock;
}

/** Refresh this long before the access token's expiry (halved for tokens shorter than twice this). */
export const REFRESH_BEFORE_MS = 60_000;

type Row = { status: string; status_reason: string | null; credentials_sealed: string | null };

/** The token provider of OAuth connection `id` of `provider`. */
export function createOAuthTokenProvider(deps: OAuthTokenProviderDeps, connection: { id: string; provider: OAuthProvider }): TokenProvider {
  const { pool, box } = deps;
  const clock = deps.clock ?? systemClock;
  const key = connectionKey(connection.id);
  const logger = deps.logger.child({ component: 'connections.oauth', connectionId: connection.id, provider: connection.provider });
  // The token an upstream last rejected: never handed out again, even while its expiry says it is fresh.
  let rejected: string | undefined;

  // Runs under the key's refresh claim (refreshOnce) whenever the shared token is missing or due.
  async function currentOrRefreshed(): Promise<{ token: string; expiresInMs: number }> {
    const { rows } = await pool.query<Row>('SELECT status, status_reason, credentials_sealed FROM connections WHERE id = $1', [connection.id]);
    const row = rows[0];
    if (!row?.credentials_sealed) throw new Error(`connection ${connection.id} no longer exists or has no OAuth tokens`);
    if (row.status === 'broken') throw new ConnectionBrokenError(connection.id, row.status_reason ?? 'marked broken');
    const stored = JSON.parse(box.open(row.credentials_sealed, connection.id)) as Partial<OAuthTokens>;
    if (!stored.refreshToken || !stored.accessToken || !stored.expiresAt) throw new Error(`connection ${connection.id} has no OAuth tokens`);
    const now = clock.now();
    const expiresAt = Date.parse(stored.expiresAt);
    if (stored.accessToken !== rejected && now < expiresAt - REFRESH_BEFORE_MS) return { token: stored.accessToken, expiresInMs: expiresAt - now };

    const client = oauthClientOf(deps.config, connection.provider);
    let fresh: Awaited<ReturnType<typeof refreshTokens>>;
    try {
      fresh = await refreshTokens(deps.policy, client, stored.refreshToken);
    } catch (err) {
      if (!isRefusedGrant(err)) throw err;
      const reason = `${connection.provider} refused the token refresh (${refusalOf(err as UpstreamHttpError)}): access was revoked or the app uninstalled`;
      if (await markBroken(pool, connection.id, connection.provider, reason, deps.notify)) logger.warn({ reason }, 'connection marked broken');
      throw new ConnectionBrokenError(connection.id, reason);
    }
    const next: OAuthTokens = { accessToken: fresh.accessToken, refreshToken: fresh.refreshToken ?? stored.refreshToken, expiresAt: new Date(now + fresh.expiresInMs).toISOString() };
    // updated_at stays: a refresh is no change of the connection (and would rebuild its connector,
    // breaker and all). Only if the row still holds what was refreshed — credentials replaced
    // meanwhile (a reconnect) win, and the next call refreshes from those.
    const { rowCount } = await pool.query('UPDATE connections SET credentials_sealed = $2, credentials_key_id = $3 WHERE id = $1 AND credentials_sealed = $4', [
      connection.id,
      box.seal(JSON.stringify(next), connection.id),
      box.keyId,
      row.credentials_sealed,
    ]);
    logger.info({ rotatedRefreshToken: Boolean(fresh.refreshToken && fresh.refreshToken !== stored.refreshToken), stored: rowCount === 1 }, 'OAuth access token refreshed');
    return { token: next.accessToken, expiresInMs: fresh.expiresInMs };
  }

  const shared = createSharedTokenProvider(pool, key, currentOrRefreshed, {
    sealer: { seal: (plain) => box.seal(plain, key), open: (sealed) => box.open(sealed, key) },
    clock,
    refreshBeforeMs: REFRESH_BEFORE_MS,
  });
  return {
    getToken: () => shared.getToken(),
    invalidate(token) {
      rejected = token;
      shared.invalidate(token);
    },
    refreshes: () => shared.refreshes(),
  };
}
