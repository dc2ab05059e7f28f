/**
 * The plaintext credentials of a connection — for the code that builds connectors, and nothing
 * else (never log, return or store what this gives). A default connection has none of its own:
 * null means "use the environment's configuration".
 */
import type { Queryable } from '../db/index.ts';
import { connectionNotFound } from './connectionRows.ts';
import { requireBox } from './connectionDeps.ts';
import type { ConnectionCredentials, Provider } from './providerSchemas.ts';
import type { SecretBox } from './secretBox.ts';

/** Open connection `id`'s credentials; null when they come from the environment. 404 when there is no such connection. */
export async function openCredentials(deps: { pool: Queryable; box: SecretBox | undefined }, id: string): Promise<ConnectionCredentials | null> {
  const { rows } = await deps.pool.query<{ provider: Provider; credentials_sealed: string | null }>('SELECT provider, credentials_sealed FROM connections WHERE id = $1', [id]);
  const row = rows[0];
  if (!row) throw connectionNotFound(id);
  if (row.credentials_sealed === null) return null;
  // Validated when stored; the seal's authentication vouches that this is what was stored.
  const credentials = JSON.parse(requireBox(deps.box).open(row.credentials_sealed, id)) as unknown;
  return { provider: row.provider, credentials } as ConnectionCredentials;
}
