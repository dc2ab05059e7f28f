/**
 * Coordination between processes through PostgreSQL: per-key rate gates that every worker
 * shares (one per upstream account, `connection:<id>`), and single-flight token refresh with the
 * token shared, sealed, through a table. See docs/rate-limits.md.
 */
export { createSharedRateGate, sharedRateGateFactory, RateGateUnavailableError, type SharedRateGateOptions } from './createSharedRateGate.ts';
export { createSharedTokenProvider, sharedTokenProviderFactory } from './createSharedTokenProvider.ts';
export { forgetKey, forgetToken } from './forgetKey.ts';
export { refreshOnce } from './refreshOnce.ts';
export type { SecretSealer } from './sealedTokens.ts';

/** The bucket / token key of a connection. */
export function connectionKey(connectionId: string): string {
  return `connection:${connectionId}`;
}
