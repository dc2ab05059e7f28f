/**
 * The connectors of stored connections: a connection's credentials and settings laid over its
 * provider's configured section (base URLs, timeouts, retry policy), built once and cached until
 * the connection row changes (a credential rotation or a settings edit takes effect on the next
 * run or batch, in every process). Each connection gets its own resilience policy, named
 * `<provider>:<id>`, so one account's breaker, rate limit and retries never touch another's; the
 * rate limit is a bucket in PostgreSQL, shared by every process syncing that account. A
 * connection holding OAuth tokens (HubSpot, Google) gets a token provider that refreshes them
 * (./createOAuthTokenProvider.ts), single-flight across processes.
 */
import type { Config, OAuthProvider } from '../config.ts';
import { createConnector, type Connector } from '../connectors/index.ts';
import type { Pool } from '../db/index.ts';
import type { Logger } from '../log.ts';
import type { Clock, TokenProvider, UpstreamPolicy } from '../resilience/index.ts';
import { findConnection, type Connection } from './connectionRows.ts';
import { createOAuthTokenProvider } from './createOAuthTokenProvider.ts';
import { operatorNotifier, type NotifyBroken } from './markBroken.ts';
import { createOAuthPolicy } from './oauthClients.ts';
import { openCredentials } from './openCredentials.ts';
import { sharedAccountState } from './sharedAccountState.ts';
import type { ConnectionCredentials } from './providerSchemas.ts';
import type { SecretBox } from './secretBox.ts';

/** What {@link createConnectionConnectors} needs. */
export interface ConnectionConnectorsDeps {
  pool: Pool;
  box: SecretBox | undefined;
  config: Config;
  logger: Logger;
  clock?: Clock;
  /** Where a connection that breaks is announced (default: a POST to NOTIFY_WEBHOOK_URL when set). */
  notify?: NotifyBroken;
  /**
   * Whose time the shared rate gates keep: the database's (default: every process agrees) or
   * `clock`'s (a scaled clock shared in one process with a simulator, as the bench runs).
   */
  rateGateTime?: 'database' | 'clock';
}

/** Connectors by connection id (the ingest pipeline's `IngestDeps.connections`). */
export interface ConnectionConnectors {
  /** The connection's connector; null when there is no such connection or it cannot be built here. */
  connectorFor(connectionId: string): Promise<Connector | null>;
}

/** The config a connection's connector is built from: the provider's section with the account's own values. */
export function connectionConfig(config: Config, connection: Pick<Connection, 'settings'>, opened: ConnectionCredentials): Config {
  const settings = connection.settings;
  switch (opened.provider) {
    case 'stripe': {
      const c = opened.credentials;
      return { ...config, stripe: { ...config.stripe, apiKey: c.apiKey, webhookSecret: c.webhookSecret, apiBase: settings.apiBase ?? config.stripe.apiBase } };
    }
    case 'hubspot':
      // With OAuth tokens this access token is only the first: the connector's token provider refreshes it.
      return { ...config, hubspot: { ...config.hubspot, accessToken: opened.credentials.accessToken, apiBase: settings.apiBase ?? config.hubspot.apiBase } };
    case 'gcal': {
      const c = opened.credentials;
      if (!('clientEmail' in c)) {
        // A user's OAuth tokens (the connector's token provider): their own calendar unless the settings name one.
        return { ...config, gcal: { ...config.gcal, clientEmail: undefined, privateKey: undefined, calendarId: settings.calendarId ?? 'primary', apiBase: settings.apiBase ?? config.gcal.apiBase } };
      }
      return { ...config, gcal: { ...config.gcal, clientEmail: c.clientEmail, privateKey: c.privateKey, calendarId: settings.calendarId ?? config.gcal.calendarId, apiBase: settings.apiBase ?? config.gcal.apiBase } };
    }
    case 'adplatform': {
      const c = opened.credentials;
      return { ...config, adplatform: { ...config.adplatform, email: c.email, password: c.password, clientId: c.clientId, apiUrl: settings.apiUrl ?? config.adplatform.apiUrl } };
    }
  }
}

/** Build connectors from stored connections, cached per connection until its row changes. */
export function createConnectionConnectors(deps: ConnectionConnectorsDeps): ConnectionConnectors {
  const cache = new Map<string, { updatedAt: number; connector: Connector | null }>();
  const logger = deps.logger.child({ component: 'connections.connectors' });
  const notify = deps.notify ?? operatorNotifier({ url: deps.config.scheduler.notifyWebhookUrl, secret: deps.config.scheduler.notifyWebhookSecret }, logger);
  const oauthPolicies = new Map<OAuthProvider, UpstreamPolicy>();
  // OAuth tokens come with a refresh token and an expiry; private-app tokens and service accounts do not.
  const tokenProviderFor = (connection: Connection, opened: ConnectionCredentials): TokenProvider | undefined => {
    if ((opened.provider !== 'hubspot' && opened.provider !== 'gcal') || !('refreshToken' in opened.credentials) || !deps.box) return undefined;
    const provider = opened.provider;
    let policy = oauthPolicies.get(provider);
    if (!policy) oauthPolicies.set(provider, (policy = createOAuthPolicy(deps.config, provider, deps.logger)));
    return createOAuthTokenProvider({ pool: deps.pool, box: deps.box, config: deps.config, logger: deps.logger, policy, notify, ...(deps.clock ? { clock: deps.clock } : {}) }, { id: connection.id, provider });
  };
  return {
    async connectorFor(connectionId) {
      const connection = await findConnection(deps.pool, connectionId);
      if (!connection) {
        cache.delete(connectionId);
        return null;
      }
      const hit = cache.get(connectionId);
      if (hit && hit.updatedAt === connection.updatedAt.getTime()) return hit.connector;
      let connector: Connector | null;
      try {
        const opened = await openCredentials(deps, connectionId);
        const config = opened ? connectionConfig(deps.config, connection, opened) : null;
        if (opened && !config) logger.warn({ connectionId, provider: connection.provider }, 'connection credentials of this kind cannot be used for syncs yet');
        // One rate limit and one token per account, shared by every process that calls it; OAuth
        // tokens come from their own provider (refreshed and stored back, docs/connections.md).
        const shared = sharedAccountState(deps, connectionId);
        const tokenProvider = opened ? tokenProviderFor(connection, opened) : undefined;
        connector = config
          ? (createConnector(connection.provider, config, { logger: deps.logger, policyName: `${connection.provider}:${connectionId}`, ...shared, ...(tokenProvider ? { tokenProvider } : {}), ...(deps.clock ? { clock: deps.clock } : {}) }) ?? null)
          : null;
      } catch (err) {
        // A key that cannot open the seal (rotated away, or missing) — or the database failing
        // the read: unusable for this run, and said why without the secret. Not cached: a
        // transient failure must not make the connection unusable in this process until its row
        // changes; the next run or batch tries again.
        logger.error({ connectionId, err: (err as Error).message }, 'connection credentials could not be opened');
        return null;
      }
      cache.set(connectionId, { updatedAt: connection.updatedAt.getTime(), connector });
      return connector;
    },
  };
}
