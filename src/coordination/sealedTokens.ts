/**
 * The shared_tokens table: the last access token fetched for a key, sealed. Only sealed text is
 * written or read here; the sealer (AES-256-GCM, src/connections) is injected.
 */
import type { Queryable } from '../db/index.ts';

/** Seals a secret for storage and opens it again (an authenticated cipher: open throws on tampering). */
export interface SecretSealer {
  seal(plain: string): string;
  open(sealed: string): string;
}

/** An access token with its timing, in epoch ms of the clock of the process that fetched it. */
export interface StoredToken {
  token: string;
  refreshAt: number;
  expiresAt: number;
}

/** The stored token of `key`, opened; undefined when there is none or it cannot be opened (key rotated, tampered). */
export async function readToken(db: Queryable, key: string, sealer: SecretSealer): Promise<StoredToken | undefined> {
  const { rows } = await db.query<{ token_sealed: string; refresh_at: number; expires_at: number }>('SELECT token_sealed, refresh_at, expires_at FROM shared_tokens WHERE key = $1', [key]);
  const row = rows[0];
  if (!row) return undefined;
  try {
    return { token: sealer.open(row.token_sealed), refreshAt: row.refresh_at, expiresAt: row.expires_at };
  } catch {
    // Unreadable is as good as absent: the next refresh overwrites it.
    return undefined;
  }
}

/** Store `token` for `key`, sealed, replacing the previous one. */
export async function writeToken(db: Queryable, key: string, token: StoredToken, sealer: SecretSealer): Promise<void> {
  await db.query(
    `INSERT INTO shared_tokens (key, token_sealed, refresh_at, expires_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (key) DO UPDATE SET token_sealed = EXCLUDED.token_sealed, refresh_at = EXCLUDED.refresh_at,
       expires_at = EXCLUDED.expires_at, refreshes = shared_tokens.refreshes + 1, updated_at = now()`,
    [key, sealer.seal(token.token), token.refreshAt, token.expiresAt],
  );
}
