/**
 * The connector of one connection: a default connection's is built from the environment at
 * start (IngestDeps.connectors), any other from its stored credentials (IngestDeps.connections).
 */
import type { Connector } from '../connectors/index.ts';
import { isDefaultConnection, type ConnectionScope } from '../connections/index.ts';
import type { IngestDeps } from './types.ts';

/** The connector of `scope`, or undefined when this process has none for it. */
export async function connectorOf(deps: IngestDeps, scope: ConnectionScope): Promise<Connector | undefined> {
  if (isDefaultConnection(scope)) return deps.connectors[scope.source];
  const connector = await deps.connections?.connectorFor(scope.connectionId);
  // A connection id of another provider never reads this source's records.
  return connector && connector.source === scope.source ? connector : undefined;
}
