/**
 * Which connection a piece of ingestion state belongs to. A connection is one account of one
 * upstream (docs/connections.md); the environment's credentials are each provider's default
 * connection, whose id is fixed so that routes and commands without a connection keep meaning
 * "the one configured account".
 */
import type { SourceName } from '../config.ts';

/** One connection of one source: the key of cursors, runs, record hashes and unified rows. */
export interface ConnectionScope {
  source: SourceName;
  connectionId: string;
}

/** The id of a provider's default connection (the credentials from the environment). */
export function defaultConnectionId(source: SourceName): string {
  return `${source}-default`;
}

/** The default connection's scope of a source. */
export function defaultScope(source: SourceName): ConnectionScope {
  return { source, connectionId: defaultConnectionId(source) };
}

/** Whether `connectionId` is the default connection of `source`. */
export function isDefaultConnection(scope: ConnectionScope): boolean {
  return scope.connectionId === defaultConnectionId(scope.source);
}
