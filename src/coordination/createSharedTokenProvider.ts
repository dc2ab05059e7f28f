/**
 * A TokenProvider (the shape requestJson and the connectors use) whose token is shared by every
 * process through the shared_tokens table: a process takes the stored token while it is fresh,
 * and when it is due (or the upstream rejected it as expired) at most one process per key
 * fetches the next one (refreshOnce). Within a process, concurrent callers share one load.
 */
import { withDbRetry, type Pool } from '../db/index.ts';
import { systemClock, type Clock, type TokenProvider } from '../resilience/index.ts';
import { refreshOnce } from './refreshOnce.ts';
import { readToken, type SecretSealer, type StoredToken } from './sealedTokens.ts';

/** Options of a shared token provider. */
export interface SharedTokenOptions {
  /** Seals the token in the table (AES-256-GCM secret box of src/connections). */
  sealer: SecretSealer;
  clock?: Clock;
  /** Refresh this long before expiry (default 60 s, at most half the token's lifetime). */
  refreshBeforeMs?: number;
  /** Give up waiting for another process's refresh after this long (default 60 s). */
  lockTimeoutMs?: number;
}

/** Create a token provider for `key` (e.g. `connection:<id>`) around `fetchToken`, shared through `pool`. */
export function createSharedTokenProvider(pool: Pool, key: string, fetchToken: () => Promise<{ token: string; expiresInMs: number }>, opts: SharedTokenOptions): TokenProvider {
  const clock = opts.clock ?? systemClock;
  let current: StoredToken | undefined;
  // The token the upstream last rejected as expired: never taken from the table again.
  let rejected: string | undefined;
  let inFlight: Promise<string> | undefined;
  let fetches = 0;
  const usable = (t: StoredToken) => t.token !== rejected && clock.now() < t.refreshAt;

  function load(): Promise<string> {
    inFlight ??= (async () => {
      try {
        // Usually another process's refresh is already there: one read, no lock.
        const stored = await withDbRetry(() => readToken(pool, key, opts.sealer));
        if (stored && usable(stored)) {
          current = stored;
          return stored.token;
        }
        const { token, fetched } = await refreshOnce(pool, key, {
          sealer: opts.sealer,
          fetchToken,
          now: () => clock.now(),
          refreshBeforeMs: opts.refreshBeforeMs ?? 60_000,
          isUsable: usable,
          ...(opts.lockTimeoutMs !== undefined ? { lockTimeoutMs: opts.lockTimeoutMs } : {}),
        });
        if (fetched) fetches++;
        current = token;
        return token.token;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  }

  return {
    async getToken() {
      if (current && usable(current)) return current.token;
      return load();
    },
    invalidate(token) {
      // Only the token the caller saw rejected: if a refresh already replaced it, keep the new one.
      if (current?.token !== token) return;
      current = undefined;
      rejected = token;
    },
    // Fetches by this process only: tokens another process fetched and this one read are no refresh of its own.
    refreshes: () => fetches,
  };
}

/**
 * A drop-in for resilience's createTokenProvider (same parameters) whose tokens are shared
 * through `pool` under `key`: hand it to a connector in place of createTokenProvider.
 */
export function sharedTokenProviderFactory(pool: Pool, key: string, sealer: SecretSealer, lockTimeoutMs?: number) {
  return (fetchToken: () => Promise<{ token: string; expiresInMs: number }>, o: { clock?: Clock; refreshBeforeMs?: number } = {}): TokenProvider =>
    createSharedTokenProvider(pool, key, fetchToken, { sealer, ...o, ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}) });
}
