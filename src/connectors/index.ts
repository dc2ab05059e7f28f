/**
 * Vendor connectors (one folder per upstream) behind the contract in ./contract.ts. Other modules
 * import connectors only through this file; `createConnector` builds one from the config (the
 * environment's account, or a connection's credentials laid over it), each with its own
 * resilience policy (`config.resilience.<source>`).
 */
import { SOURCES, type Config, type SourceName } from '../config.ts';
import type { Logger } from '../log.ts';
import { isUpstreamEnabled, missingSettings } from '../upstreamSetup.ts';
import { createPolicy, type Clock, type RateGateFactory, type TokenProvider, type TokenProviderFactory } from '../resilience/index.ts';
import { createAdplatformConnector } from './adplatform/createAdplatformConnector.ts';
import type { Connector, Normalizer } from './contract.ts';
import { createGcalConnector } from './gcal/createGcalConnector.ts';
import { createGcalNormalizer } from './gcal/normalize.ts';
import { createHubspotConnector } from './hubspot/createHubspotConnector.ts';
import { createHubspotNormalizer } from './hubspot/normalize.ts';
import { createStripeConnector } from './stripe/createStripeConnector.ts';
import { normalizeStripe, stripeOwnRecord } from './stripe/normalize.ts';
import { normalizeAdplatform } from './adplatform/normalize.ts';

export * from './contract.ts';
export { createStripeConnector } from './stripe/createStripeConnector.ts';
export { createHubspotConnector } from './hubspot/createHubspotConnector.ts';
export { createGcalConnector } from './gcal/createGcalConnector.ts';
export { createAdplatformConnector } from './adplatform/createAdplatformConnector.ts';
export { normalizeStripe } from './stripe/normalize.ts';
export { mayReplace, stripeEventVersion, stripeReadVersion, timeVersion } from './versions.ts';
export { formatMinor, minorUnitExponent, MoneyFormatError, numberToMinor, parseDecimalToMinor } from './money.ts';
export { type CredentialCheckResult } from './credentialCheck.ts';
export { checkStripeCredentials } from './stripe/checkCredentials.ts';
export { checkHubspotCredentials } from './hubspot/checkCredentials.ts';
export { checkGcalCredentials } from './gcal/checkCredentials.ts';
export { checkAdplatformCredentials } from './adplatform/checkCredentials.ts';

/** What building a connector needs besides the config. */
export interface ConnectorDeps {
  logger: Logger;
  clock?: Clock;
  /** Name of its resilience policy (breaker, limiter, metrics); default: the source. One per account. */
  policyName?: string;
  /** The account's rate gate (e.g. one shared by every process); default: a limiter of this process. */
  rateGate?: RateGateFactory;
  /** The account's token cache (e.g. one shared by every process, so one login serves all); default: this process's. */
  tokenProviderFactory?: TokenProviderFactory;
  /**
   * OAuth tokens of a connection (HubSpot, Google Calendar), refreshed by this provider: used
   * instead of the config's access token or service account, which the account then needs not have.
   */
  tokenProvider?: TokenProvider;
}

/**
 * The connector of `source` as `config` describes it, or undefined when the source is disabled
 * or its settings are incomplete (src/upstreamSetup.ts decides). A connection other than the
 * default one passes a config whose `source` section holds its own credentials and settings.
 */
export function createConnector(source: SourceName, config: Config, deps: ConnectorDeps): Connector | undefined {
  // A token provider is the account's credential: the config's own credential settings are not needed then.
  if (!isUpstreamEnabled(config, source) || (!deps.tokenProvider && missingSettings(config, source).length > 0)) return undefined;
  const policy = createPolicy(deps.policyName ?? source, config.resilience[source], { logger: deps.logger, ...(deps.clock ? { clock: deps.clock } : {}), ...(deps.rateGate ? { rateGate: deps.rateGate } : {}) });
  const clock = deps.clock ? { clock: deps.clock } : {};
  const tokenProvider = deps.tokenProvider;
  const { stripe, hubspot, gcal, adplatform } = config;
  switch (source) {
    case 'stripe':
      return stripe.apiKey ? createStripeConnector({ apiKey: stripe.apiKey, ...(stripe.apiBase ? { apiBase: stripe.apiBase } : {}), policy, timeoutMs: config.resilience.stripe.timeoutMs, ...clock }) : undefined;
    case 'hubspot':
      return hubspot.accessToken ? createHubspotConnector({ accessToken: hubspot.accessToken, ...(tokenProvider ? { tokenProvider } : {}), ...(hubspot.apiBase ? { apiBase: hubspot.apiBase } : {}), policy, ...clock }) : undefined;
    case 'gcal': {
      const serviceAccount = gcal.clientEmail && gcal.privateKey ? { clientEmail: gcal.clientEmail, privateKey: gcal.privateKey, ...(gcal.apiBase ? { tokenUri: `${gcal.apiBase.replace(/\/+$/, '')}/token` } : {}) } : undefined;
      return createGcalConnector({ calendarId: gcal.calendarId, ...(gcal.apiBase ? { apiBase: gcal.apiBase } : {}), ...(tokenProvider ? { oauth: tokenProvider } : serviceAccount ? { serviceAccount } : {}), policy, ...clock });
    }
    case 'adplatform':
      if (!adplatform.apiUrl || !adplatform.email || !adplatform.password) return undefined;
      return createAdplatformConnector({
        apiUrl: adplatform.apiUrl,
        email: adplatform.email,
        password: adplatform.password,
        ...(adplatform.clientId ? { clientId: adplatform.clientId } : {}),
        ...(deps.tokenProviderFactory ? { tokenProviderFactory: deps.tokenProviderFactory } : {}),
        policy,
        logger: deps.logger,
        ...clock,
      });
  }
}

/**
 * The default connections' connectors: every enabled source whose settings are complete. Sources
 * left out are simply absent. `rateGateFor` gives each its account's rate gate.
 */
export function createConnectors(
  config: Config,
  deps: { logger: Logger; clock?: Clock; rateGateFor?: (source: SourceName) => RateGateFactory; tokenProvidersFor?: (source: SourceName) => TokenProviderFactory | undefined },
): Partial<Record<SourceName, Connector>> {
  const out: Partial<Record<SourceName, Connector>> = {};
  for (const source of SOURCES) {
    const { rateGateFor, tokenProvidersFor, ...rest } = deps;
    const tokens = tokenProvidersFor?.(source);
    const connector = createConnector(source, config, { ...rest, ...(rateGateFor ? { rateGate: rateGateFor(source) } : {}), ...(tokens ? { tokenProviderFactory: tokens } : {}) });
    if (connector) out[source] = connector;
  }
  return out;
}

/**
 * The normalizer of every source, enabled or not, built from the config alone (no credentials,
 * no upstream): the same functions the connectors of createConnectors normalize with.
 */
export function createNormalizers(config: Config): Record<SourceName, Normalizer> {
  const hubspot = createHubspotNormalizer();
  return {
    stripe: { source: 'stripe', normalize: normalizeStripe, ownRecord: stripeOwnRecord },
    hubspot: { source: 'hubspot', normalize: hubspot.normalize },
    gcal: { source: 'gcal', normalize: createGcalNormalizer(config.gcal.calendarId).normalize },
    adplatform: { source: 'adplatform', normalize: normalizeAdplatform },
  };
}
