/**
 * Connections: one row per upstream account (docs/connections.md). Other modules import this
 * module only through this file. Credentials are sealed at rest by the secret box; the only way
 * to plaintext is {@link openCredentials}, meant for the code that builds connectors.
 */
export { createSecretBox, secretBoxFromConfig, keyIdOf, sealedKeyId, SecretBoxError, type SecretBox } from './secretBox.ts';
export { defaultConnectionId, defaultScope, isDefaultConnection, type ConnectionScope } from './scope.ts';
export { CONNECTION_STATUSES, findConnection, getConnection, listConnections, type Connection, type ConnectionFilter, type ConnectionStatus } from './connectionRows.ts';
export { PROVIDERS, type ConnectionCredentials, type Provider } from './providerSchemas.ts';
export type { ConnectionDeps } from './connectionDeps.ts';
export { createConnection } from './createConnection.ts';
export { updateConnection } from './updateConnection.ts';
export { deleteConnection } from './deleteConnection.ts';
export { openCredentials } from './openCredentials.ts';
export { rotateKey } from './rotateKey.ts';
export { createCredentialChecker } from './createCredentialChecker.ts';
export { connectionRoutes } from './connectionRoutes.ts';
export { connectionIdSchema, lastRunView } from './connectionSchemas.ts';
export { noActivity, type ConnectionActivity, type ConnectionLastRun, type DescribeActivityOptions } from './connectionActivity.ts';
export { createConnectionConnectors, type ConnectionConnectors } from './connectionConnectors.ts';
export { lockConnection } from './lockConnection.ts';
export { createDefaultConnectors } from './sharedAccountState.ts';
export { oauthRoutes } from './oauthRoutes.ts';

export { createOAuthTokenProvider } from './createOAuthTokenProvider.ts';
export { createOAuthPolicy } from './oauthClients.ts';
export { operatorNotifier, type ConnectionBrokenNotice } from './markBroken.ts';
