/**
 * The one owner of "is this upstream configured": which settings each upstream needs, which of
 * them the operator left unset, and how each upstream is served in this process (the real
 * service, a simulator, or nothing). Connectors, the sandbox wiring, the API's 503 answers,
 * `/readyz`, the banner and `buffalo status` all ask here, so they cannot disagree.
 * Why production never falls back to simulators: docs/architecture.md#upstream-configuration.
 */
import { UPSTREAMS, type Config, type UpstreamName } from './config.ts';
import { AppError } from './errors.ts';

/** How an upstream is served: its real API, a simulator, switched off by the operator, or missing settings. */
export type UpstreamState = 'configured' | 'simulated' | 'disabled' | 'not configured';

/** One upstream's state and, when it is not configured, the variables still to set. */
export interface UpstreamSetup {
  state: UpstreamState;
  /** Environment variables to set before Buffalo can call it (empty unless `not configured`). */
  missing: string[];
}

/** Every upstream's setup. */
export type UpstreamSetups = Record<UpstreamName, UpstreamSetup>;

// Where each upstream lives, when the operator said so; such an upstream is never simulated.
const URL_OF: Record<UpstreamName, (c: Config) => string | undefined> = {
  stripe: (c) => c.stripe.apiBase,
  hubspot: (c) => c.hubspot.apiBase,
  gcal: (c) => c.gcal.apiBase,
  adplatform: (c) => c.adplatform.apiUrl,
  eventservice: (c) => c.eventService.baseUrl,
  inventory: (c) => c.inventory.baseUrl,
};

/** True when the operator set the upstream's URL (SANDBOX=on leaves such an upstream alone). */
export function hasOperatorUrl(config: Config, upstream: UpstreamName): boolean {
  return Boolean(URL_OF[upstream](config));
}

type Setting = [name: string, value: (c: Config) => string | undefined];

// Each upstream's variables; the required ones must all be set for Buffalo to call it.
const SETTINGS: Record<UpstreamName, { required: Setting[]; optional: Setting[] }> = {
  stripe: { required: [['STRIPE_API_KEY', (c) => c.stripe.apiKey]], optional: [['STRIPE_API_BASE', (c) => c.stripe.apiBase]] },
  hubspot: { required: [['HUBSPOT_ACCESS_TOKEN', (c) => c.hubspot.accessToken]], optional: [['HUBSPOT_API_BASE', (c) => c.hubspot.apiBase]] },
  gcal: {
    required: [['GOOGLE_CLIENT_EMAIL', (c) => c.gcal.clientEmail], ['GOOGLE_PRIVATE_KEY', (c) => c.gcal.privateKey]],
    optional: [['GCAL_API_BASE', (c) => c.gcal.apiBase]],
  },
  adplatform: {
    required: [['AD_PLATFORM_API_URL', (c) => c.adplatform.apiUrl], ['AD_PLATFORM_EMAIL', (c) => c.adplatform.email], ['AD_PLATFORM_PASSWORD', (c) => c.adplatform.password]],
    optional: [],
  },
  eventservice: { required: [['EVENT_API_BASE_URL', (c) => c.eventService.baseUrl]], optional: [] },
  inventory: { required: [['INVENTORY_API_BASE_URL', (c) => c.inventory.baseUrl]], optional: [] },
};

/** The variables `upstream` still needs before Buffalo can call it; empty when it is configured. */
export function missingSettings(config: Config, upstream: UpstreamName): string[] {
  // A GCAL_API_BASE alone is enough: a compatible server (the simulator) takes any bearer.
  if (upstream === 'gcal' && config.gcal.apiBase) return [];
  return SETTINGS[upstream].required.filter(([, value]) => !value(config)).map(([name]) => name);
}

/** True when the operator set none of the upstream's variables (SANDBOX=auto simulates only those). */
export function isUntouched(config: Config, upstream: UpstreamName): boolean {
  const { required, optional } = SETTINGS[upstream];
  return [...required, ...optional].every(([, value]) => !value(config));
}

/** False when the operator switched the upstream off (`<SOURCE>_ENABLED=false`). */
export function isUpstreamEnabled(config: Config, upstream: UpstreamName): boolean {
  switch (upstream) {
    case 'stripe':
    case 'hubspot':
    case 'gcal':
    case 'adplatform':
      return config[upstream].enabled;
    default:
      return true;
  }
}

/** Each upstream's setup, given the config in force and which upstreams a simulator serves. */
export function describeUpstreams(config: Config, simulated: readonly UpstreamName[]): UpstreamSetups {
  const out = {} as UpstreamSetups;
  for (const upstream of UPSTREAMS) {
    const missing = missingSettings(config, upstream);
    const state: UpstreamState = !isUpstreamEnabled(config, upstream)
      ? 'disabled'
      : simulated.includes(upstream)
        ? 'simulated'
        : missing.length === 0
          ? 'configured'
          : 'not configured';
    out[upstream] = { state, missing: state === 'not configured' ? missing : [] };
  }
  return out;
}

/** The 503 a route answers when the upstream it needs is not configured; the message names the variables. */
export function notConfiguredError(upstream: UpstreamName, setup: UpstreamSetup): AppError {
  const why = setup.state === 'disabled' ? 'is disabled by its _ENABLED setting' : `is not configured: set ${setup.missing.join(', ')}`;
  return new AppError('upstream_not_configured', `${upstream} ${why}`, { details: { upstream, missing: setup.missing } });
}
