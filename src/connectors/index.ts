/**
 * Vendor connectors (one folder per upstream) behind the contract in ./contract.ts. Other modules
 * import connectors only through this file; `createConnectors` wires them from the config, each
 * with its own resilience policy (`config.resilience.<source>`).
 */
import type { Config, SourceName } from '../config.ts';
import type { Logger } from '../log.ts';
import { isUpstreamEnabled, missingSettings } from '../upstreamSetup.ts';
import { createPolicy, type Clock } from '../resilience/index.ts';
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
export { createStripeConnector, type StripeConnectorDeps } from './stripe/createStripeConnector.ts';
export { createHubspotConnector, type HubspotConnectorDeps } from './hubspot/createHubspotConnector.ts';
export { createGcalConnector, type GcalConnectorDeps } from './gcal/createGcalConnector.ts';
export { createAdplatformConnector, type AdplatformConnectorDeps } from './adplatform/createAdplatformConnector.ts';
export { normalizeStripe } from './stripe/normalize.ts';
export { mayReplace, stripeEventVersion, stripeReadVersion, timeVersion, STRIPE_READ_SKEW_MS } from './versions.ts';
export { formatMinor, minorUnitExponent, MoneyFormatError, numberToMinor, parseDecimalToMinor } from './money.ts';
export { rejectionOf, type CredentialCheckResult, type CredentialRejection } from './credentialCheck.ts';
export { checkStripeCredentials, type StripeCheckDeps } from './stripe/checkCredentials.ts';
export { checkHubspotCredentials, type HubspotCheckDeps } from './hubspot/checkCredentials.ts';
export { checkGcalCredentials, type GcalCheckDeps } from './gcal/checkCredentials.ts';
export { checkAdplatformCredentials, type AdplatformCheckDeps } from './adplatform/checkCredentials.ts';

/**
 * The connectors of every enabled source whose settings are complete (src/upstreamSetup.ts
 * decides which those are). Sources left out are simply absent.
 */
export function createConnectors(config: Config, deps: { logger: Logger; clock?: Clock }): Partial<Record<SourceName, Connector>> {
  const policyFor = (source: SourceName) => createPolicy(source, config.resilience[source], { logger: deps.logger, ...(deps.clock ? { clock: deps.clock } : {}) });
  const clock = deps.clock ? { clock: deps.clock } : {};
  const out: Partial<Record<SourceName, Connector>> = {};
  const ready = (source: SourceName) => isUpstreamEnabled(config, source) && missingSettings(config, source).length === 0;

  const { stripe, hubspot, gcal, adplatform } = config;
  if (ready('stripe') && stripe.apiKey) {
    out.stripe = createStripeConnector({ apiKey: stripe.apiKey, ...(stripe.apiBase ? { apiBase: stripe.apiBase } : {}), policy: policyFor('stripe'), timeoutMs: config.resilience.stripe.timeoutMs, ...clock });
  }
  if (ready('hubspot') && hubspot.accessToken) {
    out.hubspot = createHubspotConnector({ accessToken: hubspot.accessToken, ...(hubspot.apiBase ? { apiBase: hubspot.apiBase } : {}), policy: policyFor('hubspot'), ...clock });
  }
  const serviceAccount = gcal.clientEmail && gcal.privateKey ? { clientEmail: gcal.clientEmail, privateKey: gcal.privateKey, ...(gcal.apiBase ? { tokenUri: `${gcal.apiBase.replace(/\/+$/, '')}/token` } : {}) } : undefined;
  if (ready('gcal')) {
    out.gcal = createGcalConnector({ calendarId: gcal.calendarId, ...(gcal.apiBase ? { apiBase: gcal.apiBase } : {}), ...(serviceAccount ? { serviceAccount } : {}), policy: policyFor('gcal'), ...clock });
  }
  if (ready('adplatform') && adplatform.apiUrl && adplatform.email && adplatform.password) {
    out.adplatform = createAdplatformConnector({
      apiUrl: adplatform.apiUrl,
      email: adplatform.email,
      password: adplatform.password,
      ...(adplatform.clientId ? { clientId: adplatform.clientId } : {}),
      policy: policyFor('adplatform'),
      logger: deps.logger,
      ...clock,
    });
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
