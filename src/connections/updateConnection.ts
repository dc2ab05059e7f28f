/**
 * Update a connection: rename, pause or resume, its schedule, settings (replaced whole), or
 * rotated credentials — checked with the provider first (against the new settings when they
 * change too), then re-sealed under the current key. `broken` is Buffalo's verdict and cannot be
 * set by hand; `active` clears it, and so do new credentials that pass the check (a connection
 * breaks when its credentials stop working). A default connection stands for the environment's
 * credentials: only its status and schedule change here.
 */
import { connectionKey, forgetToken } from '../coordination/index.ts';
import { withDbRetry, withTransaction } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { CONNECTION_COLUMNS, connectionNotFound, getConnection, isDefaultRow, isNameConflict, nameTaken, toConnection, type Connection, type ConnectionRow } from './connectionRows.ts';
import { requireBox, type ConnectionDeps, type WithinWrite } from './connectionDeps.ts';
import { parseCredentials, parseSettings } from './providerSchemas.ts';

/** The fields a PATCH may change (credentials and settings still unvalidated). */
export interface ConnectionPatch {
  name?: string;
  status?: 'active' | 'paused';
  /** null: back to the configured SYNC_INTERVAL_MS. */
  syncIntervalMs?: number | null;
  settings?: unknown;
  credentials?: unknown;
}

/** Apply `patch` to connection `id`; returns the updated connection. */
export async function updateConnection(deps: ConnectionDeps, id: string, patch: ConnectionPatch, within?: WithinWrite): Promise<Connection> {
  const current = await getConnection(deps.pool, id);
  if (isDefaultRow(current)) {
    const fixed = (['name', 'settings', 'credentials'] as const).find((field) => patch[field] !== undefined);
    if (fixed) {
      throw new AppError('conflict', `${id} is the default ${current.provider} connection: its ${fixed} come${fixed === 'name' ? 's' : ''} from the environment configuration; create a connection for another account instead`, { details: { field: fixed } });
    }
  }
  if ((patch.status as string | undefined) === 'broken') {
    throw new AppError('validation_failed', 'status: broken is set by Buffalo when a connection stops working; send active to clear it', { details: { field: 'status' } });
  }
  const settings = patch.settings === undefined ? undefined : parseSettings(current.provider, patch.settings);
  let sealed: { value: string; keyId: string } | undefined;
  if (patch.credentials !== undefined) {
    const credentials = parseCredentials(current.provider, patch.credentials);
    const box = requireBox(deps.box);
    await deps.check(credentials, settings ?? current.settings);
    sealed = { value: box.seal(JSON.stringify(credentials.credentials), id), keyId: box.keyId };
  }

  const sets: string[] = ['updated_at = now()'];
  const values: unknown[] = [id];
  const set = (column: string, value: unknown) => {
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  };
  if (patch.name !== undefined) set('name', patch.name);
  if (patch.syncIntervalMs !== undefined) set('sync_interval_ms', patch.syncIntervalMs);
  if (settings !== undefined) set('settings', settings);
  if (sealed) {
    set('credentials_sealed', sealed.value);
    set('credentials_key_id', sealed.keyId);
  }
  if (patch.status !== undefined) {
    set('status', patch.status);
    sets.push('status_reason = NULL');
  } else if (sealed) {
    sets.push("status = CASE WHEN status = 'broken' THEN 'active' ELSE status END", "status_reason = CASE WHEN status = 'broken' THEN NULL ELSE status_reason END");
  }

  try {
    return await withDbRetry(() =>
      withTransaction(deps.pool, async (tx, ctx) => {
        const { rows } = await tx.query<ConnectionRow>(`UPDATE connections SET ${sets.join(', ')} WHERE id = $1 RETURNING ${CONNECTION_COLUMNS}`, values);
        if (!rows[0]) throw connectionNotFound(id);
        const connection = toConnection(rows[0]);
        // A token fetched with the old credentials (e.g. another account's OAuth grant) must not outlive them.
        if (sealed) await forgetToken(tx, connectionKey(id));
        await within?.(tx, connection, ctx);
        return connection;
      }),
    );
  } catch (err) {
    if (isNameConflict(err)) throw nameTaken(current.provider, patch.name ?? current.name);
    throw err;
  }
}
