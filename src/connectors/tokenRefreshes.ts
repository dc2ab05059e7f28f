/** Counting a token provider's refreshes into a run's CallStats (shared by the connectors). */
import type { CallStats, TokenProvider } from '../resilience/index.ts';

/**
 * A function that sets `stats.tokenRefreshes` to its value at the start of the run plus every
 * token fetched since — proactive refreshes before expiry and forced ones after a 401 alike —
 * not counting the provider's very first fetch (a login, not a refresh). Call it before each
 * yield and at the end.
 */
export function trackTokenRefreshes(provider: TokenProvider, stats: CallStats): () => void {
  const fetchedBefore = provider.refreshes();
  const base = stats.tokenRefreshes;
  return () => {
    const fetched = provider.refreshes() - fetchedBefore;
    const login = fetchedBefore === 0 && fetched > 0 ? 1 : 0;
    stats.tokenRefreshes = base + fetched - login;
  };
}
