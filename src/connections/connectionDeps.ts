/** What the connection store's writes need, and the errors they share. */
import type { Pool, PoolClient, TransactionContext } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { CredentialCheck } from './createCredentialChecker.ts';
import type { Connection } from './connectionRows.ts';
import type { SecretBox } from './secretBox.ts';

/** Dependencies of the store's writes. */
export interface ConnectionDeps {
  pool: Pool;
  /** Seals and opens credentials; without one (no BUFFALO_SECRET_KEY) nothing can be sealed. */
  box: SecretBox | undefined;
  /** Checks credentials with their provider before they are stored. */
  check: CredentialCheck;
}

/**
 * Runs inside a write's transaction after the change (e.g. to store the idempotent response
 * with it, so both commit together or neither does).
 */
export type WithinWrite = (tx: PoolClient, connection: Connection, ctx: TransactionContext) => void | Promise<void>;

/** The box, or 503 when no key is configured. */
export function requireBox(box: SecretBox | undefined): SecretBox {
  if (!box) throw new AppError('service_unavailable', 'connection credentials cannot be sealed or opened: BUFFALO_SECRET_KEY is not set (see docs/connections.md)');
  return box;
}
