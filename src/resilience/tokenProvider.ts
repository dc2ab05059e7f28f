/**
 * Bearer-token cache for one upstream: fetches on first use, refreshes shortly before expiry
 * and after a 401 "expired", with a single refresh in flight shared by concurrent callers.
 */
import { systemClock, type Clock } from './clock.ts';

/** Source of bearer tokens for requestJson. */
export interface TokenProvider {
  /** A valid token (cached, or freshly fetched). */
  getToken(): Promise<string>;
  /** a 401 "expired" for this token → refresh once (shared among concurrent callers). */
  invalidate(token: string): void;
  /** Number of token fetches so far. */
  refreshes(): number;
}

/** How a connector makes its token provider: this process's cache, or one shared by every process (src/coordination). */
export type TokenProviderFactory = (fetchToken: () => Promise<{ token: string; expiresInMs: number }>, opts?: { clock?: Clock; refreshBeforeMs?: number }) => TokenProvider;

/** Create a token provider around `fetchToken` (e.g. a Basic-auth token exchange). */
export function createTokenProvider(
  fetchToken: () => Promise<{ token: string; expiresInMs: number }>,
  opts: { clock?: Clock; refreshBeforeMs?: number } = {},
): TokenProvider {
  const clock = opts.clock ?? systemClock;
  const refreshBeforeMs = opts.refreshBeforeMs ?? 60_000;
  let current: { token: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  let count = 0;

  function refresh(): Promise<string> {
    inFlight ??= (async () => {
      try {
        const fetchedAt = clock.now();
        const { token, expiresInMs } = await fetchToken();
        count++;
        // Refresh early, but never so early that a short-lived token is refetched on every call.
        const margin = Math.min(refreshBeforeMs, expiresInMs / 2);
        current = { token, refreshAt: fetchedAt + expiresInMs - margin };
        return token;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  }

  return {
    async getToken() {
      if (current && clock.now() < current.refreshAt) return current.token;
      return refresh();
    },
    invalidate(token) {
      // Only the token the caller saw rejected: if a concurrent caller already refreshed, keep the new one.
      if (current?.token === token) current = undefined;
    },
    refreshes: () => count,
  };
}
