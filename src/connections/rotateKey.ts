/**
 * Re-seal stored credentials under the current key (`buffalo connections rotate-key`): every
 * connection whose credentials a retired key sealed is opened and sealed again with
 * BUFFALO_SECRET_KEY, one row lock each, so a concurrent credential rotation is never
 * overwritten with the old value. Rows already under the current key are left as they are,
 * so running it again is cheap. After it reports 0 remaining, the retired key can be dropped.
 */
import { withTransaction, type Pool } from '../db/index.ts';
import { requireBox } from './connectionDeps.ts';
import type { SecretBox } from './secretBox.ts';

/** The outcome of {@link rotateKey}. */
export interface KeyRotation {
  /** Key id everything is sealed under now. */
  keyId: string;
  /** Connections re-sealed by this call. */
  resealed: number;
}

/** Re-seal every connection's credentials that are not under the current key; returns how many. */
export async function rotateKey(deps: { pool: Pool; box: SecretBox | undefined }): Promise<KeyRotation> {
  const box = requireBox(deps.box);
  const { rows } = await deps.pool.query<{ id: string }>('SELECT id FROM connections WHERE credentials_sealed IS NOT NULL AND credentials_key_id <> $1 ORDER BY id', [box.keyId]);
  let resealed = 0;
  for (const { id } of rows) {
    const done = await withTransaction(deps.pool, async (tx) => {
      const locked = await tx.query<{ credentials_sealed: string | null; credentials_key_id: string | null }>('SELECT credentials_sealed, credentials_key_id FROM connections WHERE id = $1 FOR UPDATE', [id]);
      const row = locked.rows[0];
      // Deleted, or re-sealed by a credential rotation, since the list was read.
      if (!row?.credentials_sealed || row.credentials_key_id === box.keyId) return false;
      const plaintext = box.open(row.credentials_sealed, id);
      await tx.query('UPDATE connections SET credentials_sealed = $2, credentials_key_id = $3, updated_at = now() WHERE id = $1', [id, box.seal(plaintext, id), box.keyId]);
      return true;
    });
    if (done) resealed++;
  }
  return { keyId: box.keyId, resealed };
}
