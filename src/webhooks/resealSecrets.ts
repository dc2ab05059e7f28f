/**
 * Re-seal webhook signing secrets under the current key (part of `buffalo connections
 * rotate-key`): each subscription whose secret a retired key sealed is opened and sealed again,
 * one row lock each, like the connections' credentials. Already current rows are left alone.
 */
import { withTransaction, type Pool } from '../db/index.ts';
import type { SecretBox } from '../connections/index.ts';

/** Re-seal every subscription secret not under `box`'s current key; returns how many. */
export async function resealWebhookSecrets(deps: { pool: Pool; box: SecretBox }): Promise<number> {
  const { pool, box } = deps;
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM webhook_subscriptions WHERE secret_key_id <> $1 ORDER BY id', [box.keyId]);
  let resealed = 0;
  for (const { id } of rows) {
    const done = await withTransaction(pool, async (tx) => {
      const locked = await tx.query<{ secret_sealed: string; secret_key_id: string }>('SELECT secret_sealed, secret_key_id FROM webhook_subscriptions WHERE id = $1 FOR UPDATE', [id]);
      const row = locked.rows[0];
      if (!row || row.secret_key_id === box.keyId) return false;
      await tx.query('UPDATE webhook_subscriptions SET secret_sealed = $2, secret_key_id = $3, updated_at = now() WHERE id = $1', [id, box.seal(box.open(row.secret_sealed, id), id), box.keyId]);
      return true;
    });
    if (done) resealed++;
  }
  return resealed;
}
