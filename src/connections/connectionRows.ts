/**
 * The `connections` table as values: the Connection type, its row mapping, and the reads
 * (`getConnection`, `listConnections`). The sealed credentials never leave this module's SQL:
 * a Connection says only whether it has its own credentials and which key sealed them.
 */
import { isDefaultConnection } from './scope.ts';
import type { Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { ConnectionSettings, Provider } from './providerSchemas.ts';

/** A connection's status: `broken` is set by Buffalo (e.g. a refused token refresh), never by hand. */
export type ConnectionStatus = 'active' | 'paused' | 'broken';
/** Every status. */
export const CONNECTION_STATUSES = ['active', 'paused', 'broken'] as const;

/** One connection: an account of one upstream. */
export interface Connection {
  id: string;
  provider: Provider;
  name: string;
  status: ConnectionStatus;
  /** Why it is broken; null otherwise. */
  statusReason: string | null;
  /** Scheduled incremental syncs every this many ms; null: the configured SYNC_INTERVAL_MS. */
  syncIntervalMs: number | null;
  settings: ConnectionSettings;
  /** Key id that sealed its credentials; null: the credentials come from the environment (default connections). */
  credentialsKeyId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Filter of {@link listConnections}. */
export interface ConnectionFilter {
  provider?: Provider;
  status?: ConnectionStatus;
}

/** Columns every read returns (never credentials_sealed). */
export const CONNECTION_COLUMNS = 'id, provider, name, status, status_reason, sync_interval_ms, settings, credentials_key_id, created_at, updated_at';

/** A connections row as selected with {@link CONNECTION_COLUMNS}. */
export interface ConnectionRow {
  id: string;
  provider: Provider;
  name: string;
  status: ConnectionStatus;
  status_reason: string | null;
  sync_interval_ms: number | null;
  settings: ConnectionSettings;
  credentials_key_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/** True for a `<provider>-default` connection, which stands for the environment's credentials. */
export function isDefaultRow(connection: Pick<Connection, 'id' | 'provider'>): boolean {
  return isDefaultConnection({ source: connection.provider, connectionId: connection.id });
}

/** Row → Connection. */
export function toConnection(row: ConnectionRow): Connection {
  return {
    id: row.id,
    provider: row.provider,
    name: row.name,
    status: row.status,
    statusReason: row.status_reason,
    syncIntervalMs: row.sync_interval_ms,
    settings: row.settings,
    credentialsKeyId: row.credentials_key_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** One connection, or undefined. */
export async function findConnection(db: Queryable, id: string): Promise<Connection | undefined> {
  const { rows } = await db.query<ConnectionRow>(`SELECT ${CONNECTION_COLUMNS} FROM connections WHERE id = $1`, [id]);
  return rows[0] ? toConnection(rows[0]) : undefined;
}

/** One connection; 404 connection_not_found when there is none. */
export async function getConnection(db: Queryable, id: string): Promise<Connection> {
  const found = await findConnection(db, id);
  if (!found) throw connectionNotFound(id);
  return found;
}

/** Connections by provider, then name (defaults first among equals: they are named `default`). */
export async function listConnections(db: Queryable, filter: ConnectionFilter = {}): Promise<Connection[]> {
  const { rows } = await db.query<ConnectionRow>(
    `SELECT ${CONNECTION_COLUMNS} FROM connections
      WHERE ($1::text IS NULL OR provider = $1) AND ($2::text IS NULL OR status = $2)
      ORDER BY provider, id <> provider || '-default', name, id`,
    [filter.provider ?? null, filter.status ?? null],
  );
  return rows.map(toConnection);
}

/** The 404 of a connection id that does not exist. */
export function connectionNotFound(id: string): AppError {
  return new AppError('connection_not_found', `connection ${id} not found`);
}

/** The 409 of a (provider, name) pair already in use. */
export function nameTaken(provider: Provider, name: string): AppError {
  return new AppError('connection_name_taken', `a ${provider} connection named ${JSON.stringify(name)} already exists`, { details: { field: 'name' } });
}

/** True for PostgreSQL's unique violation on (provider, name). */
export function isNameConflict(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown };
  return e.code === '23505' && typeof e.constraint === 'string' && e.constraint.includes('provider_name');
}
