/**
 * Delete a connection. The `<provider>-default` connections stand for the environment's
 * credentials and cannot be deleted (switch a provider off with `<PROVIDER>_ENABLED=false`).
 * A connection that other tables still reference (its runs, cursors, synced rows) is refused
 * with 409 rather than silently orphaning them.
 */
import { connectionKey, forgetKey } from '../coordination/index.ts';
import { withDbRetry, withTransaction } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { CONNECTION_COLUMNS, connectionNotFound, getConnection, isDefaultRow, toConnection, type Connection, type ConnectionRow } from './connectionRows.ts';
import type { Pool } from '../db/index.ts';
import type { WithinWrite } from './connectionDeps.ts';

const ENABLED_VARIABLE = { stripe: 'STRIPE_ENABLED', hubspot: 'HUBSPOT_ENABLED', gcal: 'GCAL_ENABLED', adplatform: 'ADPLATFORM_ENABLED' } as const;

/** Delete connection `id`; returns what it was. */
export async function deleteConnection(pool: Pool, id: string, within?: WithinWrite): Promise<Connection> {
  const current = await getConnection(pool, id);
  if (isDefaultRow(current)) {
    throw new AppError('conflict', `${id} is the default ${current.provider} connection (the credentials from the environment) and cannot be deleted; pause it, or set ${ENABLED_VARIABLE[current.provider]}=false`);
  }
  try {
    return await withDbRetry(() =>
      withTransaction(pool, async (tx, ctx) => {
        const { rows } = await tx.query<ConnectionRow>(`DELETE FROM connections WHERE id = $1 RETURNING ${CONNECTION_COLUMNS}`, [id]);
        if (!rows[0]) throw connectionNotFound(id);
        const connection = toConnection(rows[0]);
        await forgetKey(tx, connectionKey(id));
        await within?.(tx, connection, ctx);
        return connection;
      }),
    );
  } catch (err) {
    if ((err as { code?: unknown }).code === '23503') {
      throw new AppError('conflict', `connection ${id} still has synced data (runs, cursors or rows) that refer to it; pause it instead`);
    }
    throw err;
  }
}
