/**
 * Single-flight token refresh across processes. The refresher claims the key with a row
 * (token_refresh_claims) that expires, re-reads the shared token (another process may have
 * refreshed it meanwhile), and only if it is still unusable fetches a new one and stores it,
 * sealed; then it drops the claim. Everyone else polls the shared token until it is usable or
 * the claim is free to take.
 *
 * Why a claim row and not a lock held in a transaction: the fetch is an upstream call that may
 * wait for the account's rate limit (an ad-platform login at 10 requests/min waits seconds). A
 * transaction held over it pins one pooled connection per account being refreshed, and the
 * fetch's own rate-gate round trips then wait for connections the refreshes hold — with many
 * accounts the pool starves. The claim needs no connection while the upstream answers. A
 * refresher that dies leaves its claim until `until` (the wait limit), after which another
 * process takes over.
 */
import { randomUUID } from 'node:crypto';
import { withDbRetry, type Pool } from '../db/index.ts';
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
  /** Give up waiting for another process's refresh after this long; also how long a claim lasts (default 60 s). */
  lockTimeoutMs?: number;
}

// Waiting for another process's refresh is real elapsed time (its upstream call), polled gently.
const POLL_MS = [20, 50, 100, 200, 250];

/** Return a usable token of `key`: the one another process stored, or one fetched here (`fetched`). */
export async function refreshOnce(pool: Pool, key: string, opts: RefreshOnceOptions): Promise<{ token: StoredToken; fetched: boolean }> {
  const waitMs = opts.lockTimeoutMs ?? 60_000;
  const giveUpAt = Date.now() + waitMs;
  const holder = randomUUID();
  for (let attempt = 0; ; attempt++) {
    const stored = await withDbRetry(() => readToken(pool, key, opts.sealer));
    if (stored && opts.isUsable(stored)) return { token: stored, fetched: false };
    if (await withDbRetry(() => claim(pool, key, holder, waitMs))) {
      try {
        // Claimed: a refresh that landed between the read and the claim is used, not repeated.
        const again = await withDbRetry(() => readToken(pool, key, opts.sealer));
        if (again && opts.isUsable(again)) return { token: again, fetched: false };
        const fetchedAt = opts.now();
        const { token, expiresInMs } = await opts.fetchToken();
        // Refresh early, but never so early that a short-lived token is refetched on every call.
        const margin = Math.min(opts.refreshBeforeMs, expiresInMs / 2);
        const fresh: StoredToken = { token, refreshAt: fetchedAt + expiresInMs - margin, expiresAt: fetchedAt + expiresInMs };
        await withDbRetry(() => writeToken(pool, key, fresh, opts.sealer));
        return { token: fresh, fetched: true };
      } finally {
        await withDbRetry(() => release(pool, key, holder)).catch(() => undefined);
      }
    }
    if (Date.now() > giveUpAt) throw new Error(`token of ${key}: another process has been refreshing it for over ${waitMs} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS[Math.min(attempt, POLL_MS.length - 1)]));
  }
}

// Take the claim when nobody holds it or its holder's time is up.
async function claim(pool: Pool, key: string, holder: string, ttlMs: number): Promise<boolean> {
  const { rows } = await pool.query(
    `INSERT INTO token_refresh_claims AS c (key, holder, until) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
     ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, until = excluded.until WHERE c.until < now()
     RETURNING holder`,
    [key, holder, ttlMs],
  );
  return rows.length === 1;
}

async function release(pool: Pool, key: string, holder: string): Promise<void> {
  await pool.query('DELETE FROM token_refresh_claims WHERE key = $1 AND holder = $2', [key, holder]);
}
