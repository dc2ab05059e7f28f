/**
 * Connections: many accounts per upstream, each with its own credentials and ingestion state.
 * Other modules import this module only through this file.
 */
export { defaultConnectionId, defaultScope, isDefaultConnection, type ConnectionScope } from './scope.ts';
export { activeConnections, type ActiveConnection } from './activeConnections.ts';
