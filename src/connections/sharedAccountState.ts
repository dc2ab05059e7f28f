/**
 * What every process shares about one upstream account (a connection): its rate-limit bucket and
 * its token, both in PostgreSQL (src/coordination, docs/rate-limits.md). Two workers syncing one
 * account then stay within its limit together, a 429 seen by one slows all, and one login or
 * token refresh serves every process. The token is stored sealed by the secret box, bound to the
 * account's key; without a box (no BUFFALO_SECRET_KEY, e.g. a hand-built test config) tokens stay
 * in each process.
 */
import { SOURCES, type Config, type SourceName } from '../config.ts';
import { connectionKey, sharedRateGateFactory, sharedTokenProviderFactory } from '../coordination/index.ts';
import { createConnectors, type Connector } from '../connectors/index.ts';
import type { Pool } from '../db/index.ts';
import type { Logger } from '../log.ts';
import type { RateGateFactory, TokenProviderFactory } from '../resilience/index.ts';
import { defaultConnectionId } from './scope.ts';
import type { SecretBox } from './secretBox.ts';

/** What sharing needs. */
export interface SharedAccountDeps {
  pool: Pool;
  box: SecretBox | undefined;
  logger: Logger;
  /**
   * Whose time the shared rate gates keep: the database's (default: every process agrees) or the
   * policy's clock (a scaled clock shared in one process with a simulator, as the bench runs).
   */
  rateGateTime?: 'database' | 'clock';
}

/** The shared rate gate and token cache of connection `connectionId`. */
export function sharedAccountState(deps: SharedAccountDeps, connectionId: string): { rateGate: RateGateFactory; tokenProviderFactory?: TokenProviderFactory } {
  const key = connectionKey(connectionId);
  // By default the database's clock: every process, on any host, paces by the same time.
  const rateGate = sharedRateGateFactory(deps.pool, key, { time: deps.rateGateTime ?? 'database', logger: deps.logger });
  const box = deps.box;
  if (!box) return { rateGate };
  const sealer = { seal: (plain: string) => box.seal(plain, key), open: (sealed: string) => box.open(sealed, key) };
  return { rateGate, tokenProviderFactory: sharedTokenProviderFactory(deps.pool, key, sealer) };
}

/** The default connections' connectors (the environment's accounts), each sharing its account state across processes. */
export function createDefaultConnectors(config: Config, deps: SharedAccountDeps): Partial<Record<SourceName, Connector>> {
  const shared = Object.fromEntries(SOURCES.map((s) => [s, sharedAccountState(deps, defaultConnectionId(s))])) as Record<SourceName, ReturnType<typeof sharedAccountState>>;
  return createConnectors(config, { logger: deps.logger, rateGateFor: (s) => shared[s].rateGate, tokenProvidersFor: (s) => shared[s].tokenProviderFactory });
}
