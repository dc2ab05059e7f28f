/**
 * Connections: one row per upstream account (docs/connections.md). Other modules import this
 * module only through this file. Credentials are sealed at rest by the secret box; the only way
 * to plaintext is {@link openCredentials}, meant for the code that builds connectors.
 */
export { createSecretBox, secretBoxFromConfig, keyIdOf, sealedKeyId, SecretBoxError, type SecretBox } from './secretBox.ts';
export { defaultConnectionId, defaultScope, isDefaultConnection, type ConnectionScope } from './scope.ts';
export { CONNECTION_STATUSES, findConnection, getConnection, listConnections, type Connection, type ConnectionFilter, type ConnectionStatus } from './connectionRows.ts';
export { PROVIDERS, parseCredentials, parseSettings, type AdplatformCredentials, type ConnectionCredentials, type ConnectionSettings, type GcalCredentials, type HubspotCredentials, type Provider, type StripeCredentials } from './providerSchemas.ts';
export type { ConnectionDeps, WithinWrite } from './connectionDeps.ts';
export { createConnection, newConnectionId, type NewConnection } from './createConnection.ts';
export { updateConnection, type ConnectionPatch } from './updateConnection.ts';
export { deleteConnection } from './deleteConnection.ts';
export { openCredentials } from './openCredentials.ts';
export { rotateKey, type KeyRotation } from './rotateKey.ts';
export { createCredentialChecker, type CredentialCheck } from './createCredentialChecker.ts';
export { connectionRoutes, type ConnectionRoutesOptions } from './connectionRoutes.ts';
export { connectionIdSchema, lastRunView, toConnectionView } from './connectionSchemas.ts';
export { noActivity, type ConnectionActivity, type ConnectionLastRun, type ConnectionRunError, type DescribeActivity, type DescribeActivityOptions } from './connectionActivity.ts';
export { connectionConfig, createConnectionConnectors, type ConnectionConnectors, type ConnectionConnectorsDeps } from './connectionConnectors.ts';
export { lockConnection } from './lockConnection.ts';
export { createDefaultConnectors, sharedAccountState, type SharedAccountDeps } from './sharedAccountState.ts';
export { oauthRoutes, type OAuthRoutesOptions } from './oauthRoutes.ts';
export { completeConnect, redirectUriOf, startConnect, type CallbackQuery, type OAuthConnectDeps } from './connectWithOAuth.ts';
export { ConnectionBrokenError, createOAuthTokenProvider, REFRESH_BEFORE_MS, type OAuthTokenProviderDeps } from './createOAuthTokenProvider.ts';
export { createOAuthPolicy, type OAuthTokens } from './oauthClients.ts';
export { webhookNotifier, type ConnectionBrokenNotice, type NotifyBroken } from './markBroken.ts';
