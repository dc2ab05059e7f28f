/** Dropping what processes shared about a key once its account is gone (a removed connection). */
import type { Queryable } from '../db/index.ts';

/** Delete the rate bucket, the shared token and any refresh claim of `key`. */
export async function forgetKey(db: Queryable, key: string): Promise<void> {
  await db.query('DELETE FROM rate_buckets WHERE key = $1', [key]);
  await db.query('DELETE FROM shared_tokens WHERE key = $1', [key]);
  await db.query('DELETE FROM token_refresh_claims WHERE key = $1', [key]);
}

/** Delete the shared token of `key` only (its account's credentials changed: the next call fetches one with the new ones). */
export async function forgetToken(db: Queryable, key: string): Promise<void> {
  await db.query('DELETE FROM shared_tokens WHERE key = $1', [key]);
}
