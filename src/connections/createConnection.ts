/**
 * Create a connection: validate its credentials and settings for the provider, check the
 * credentials with the provider, then insert the row with the credentials sealed under the
 * current key (bound to the new id). A duplicate (provider, name) is 409 — looked up before the
 * check so a typo costs no upstream call, and enforced by the unique index after it.
 */
import { randomBytes } from 'node:crypto';
import { withDbRetry, withTransaction } from '../db/index.ts';
import { CONNECTION_COLUMNS, isNameConflict, nameTaken, toConnection, type Connection, type ConnectionRow } from './connectionRows.ts';
import { requireBox, type ConnectionDeps, type WithinWrite } from './connectionDeps.ts';
import { parseCredentials, parseSettings, type Provider } from './providerSchemas.ts';

/** What a new connection is made of (credentials and settings still unvalidated). */
export interface NewConnection {
  provider: Provider;
  name: string;
  credentials: unknown;
  settings?: unknown;
  /** Scheduled incremental syncs every this many ms (default: SYNC_INTERVAL_MS). */
  syncIntervalMs?: number | null;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A fresh connection id: `conn_` and 16 base32 characters (80 random bits). */
export function newConnectionId(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff; // at most 12 unread bits remain; keep them, drop the rest
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return `conn_${out}`;
}

/** Validate, check with the provider, seal and insert; returns the new connection. */
export async function createConnection(deps: ConnectionDeps, input: NewConnection, within?: WithinWrite): Promise<Connection> {
  const credentials = parseCredentials(input.provider, input.credentials);
  const settings = parseSettings(input.provider, input.settings);
  const box = requireBox(deps.box);
  const taken = await deps.pool.query('SELECT 1 FROM connections WHERE provider = $1 AND name = $2', [input.provider, input.name]);
  if (taken.rowCount) throw nameTaken(input.provider, input.name);
  await deps.check(credentials, settings);

  const id = newConnectionId();
  const sealed = box.seal(JSON.stringify(credentials.credentials), id);
  try {
    return await withDbRetry(() =>
      withTransaction(deps.pool, async (tx, ctx) => {
        const { rows } = await tx.query<ConnectionRow>(
          `INSERT INTO connections (id, provider, name, sync_interval_ms, settings, credentials_sealed, credentials_key_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${CONNECTION_COLUMNS}`,
          [id, input.provider, input.name, input.syncIntervalMs ?? null, settings, sealed, box.keyId],
        );
        const connection = toConnection(rows[0]!);
        await within?.(tx, connection, ctx);
        return connection;
      }),
    );
  } catch (err) {
    if (isNameConflict(err)) throw nameTaken(input.provider, input.name);
    throw err;
  }
}
