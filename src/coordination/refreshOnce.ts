/**
 * Single-flight token refresh across processes: under a transaction-scoped advisory lock on the
 * key, re-read the shared token (another process may have refreshed it while this one waited for
 * the lock), and only if it is still unusable fetch a new one and store it, sealed. The lock is
 * released with the transaction, so a crashed refresher never leaves it held.
 */
import { withTransaction, type Pool } from '../db/index.ts';
import { readToken, writeToken, type SecretSealer, type StoredToken } from './sealedTokens.ts';

/** What one refresh needs. */
export interface RefreshOnceOptions {
  sealer: SecretSealer;
  /** Fetch a new token from the upstream (a login, a JWT exchange). */
  fetchToken: () => Promise<{ token: string; expiresInMs: number }>;
  /** Epoch ms of the caller's clock. */
  now: () => number;
  /** Refresh this long before expiry (at most half the token's lifetime). */
  refreshBeforeMs: number;
  /** Whether a stored token will do (not due for refresh, not the one the upstream just rejected). */
  isUsable: (token: StoredToken) => boolean;
  /** Give up waiting for another process's refresh after this long (default 60 s). */
  lockTimeoutMs?: number;
}

/** Return a usable token of `key`: the one another process stored, or one fetched here (`fetched`). */
export async function refreshOnce(pool: Pool, key: string, opts: RefreshOnceOptions): Promise<{ token: StoredToken; fetched: boolean }> {
  return withTransaction(pool, async (client) => {
    await client.query(`SELECT set_config('lock_timeout', $1, true)`, [`${opts.lockTimeoutMs ?? 60_000}ms`]);
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`buffalo:token:${key}`]);
    const stored = await readToken(client, key, opts.sealer);
    if (stored && opts.isUsable(stored)) return { token: stored, fetched: false };
    // The transaction (and its connection) stays open over the fetch: holding the lock is what
    // keeps every other process's refresh of this key waiting, and then reading this one.
    const fetchedAt = opts.now();
    const { token, expiresInMs } = await opts.fetchToken();
    // Refresh early, but never so early that a short-lived token is refetched on every call.
    const margin = Math.min(opts.refreshBeforeMs, expiresInMs / 2);
    const fresh: StoredToken = { token, refreshAt: fetchedAt + expiresInMs - margin, expiresAt: fetchedAt + expiresInMs };
    await writeToken(client, key, fresh, opts.sealer);
    return { token: fresh, fetched: true };
  });
}
