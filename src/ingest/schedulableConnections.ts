/**
 * The connections scheduled work (syncs, the daily reconciliation) is accepted for: every active
 * connection of an enabled source; a default connection only where this process's environment
 * configures it (it has a connector), since its credentials come from there.
 */
import { isDefaultConnection, listConnections, type Connection } from '../connections/index.ts';
import type { IngestDeps } from './types.ts';

/** Active connections scheduled work may be accepted for, in the store's order. */
export async function schedulableConnections(deps: Pick<IngestDeps, 'pool' | 'config' | 'connectors'>): Promise<Connection[]> {
  const active = await listConnections(deps.pool, { status: 'active' });
  const configuredHere = (c: Connection) => !isDefaultConnection({ source: c.provider, connectionId: c.id }) || deps.connectors[c.provider] !== undefined;
  return active.filter((c) => deps.config[c.provider].enabled && configuredHere(c));
}
