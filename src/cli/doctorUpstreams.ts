/**
 * `buffalo doctor`'s upstream checks: for each upstream, whether it is configured (the one owner
 * of that is src/upstreamSetup.ts), and for a configured one a real call — the connections
 * module's credential check for the four sources, reachability for the event and inventory
 * services — plus the skew of the upstream's `Date` header against our clock.
 */
import { UPSTREAMS, type Config, type UpstreamName } from '../config.ts';
import { createCredentialChecker, type ConnectionCredentials } from '../connections/index.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { describeUpstreams, isUntouched, type UpstreamSetup } from '../upstreamSetup.ts';
import { result, type CheckResult } from './doctorCheck.ts';
import { skewResult } from './doctorDatabase.ts';
import { upstreamsToSimulate } from './wireSandbox.ts';

const REACH_TIMEOUT_MS = 5000;

// The variables an operator fixes for each upstream when its credentials are refused.
const CREDENTIAL_VARS: Record<UpstreamName, string> = {
  stripe: 'STRIPE_API_KEY',
  hubspot: 'HUBSPOT_ACCESS_TOKEN',
  gcal: 'GOOGLE_CLIENT_EMAIL and GOOGLE_PRIVATE_KEY',
  adplatform: 'AD_PLATFORM_EMAIL and AD_PLATFORM_PASSWORD',
  eventservice: 'EVENT_API_BASE_URL',
  inventory: 'INVENTORY_API_BASE_URL',
};
const DEFAULT_BASE: Partial<Record<UpstreamName, string>> = { stripe: 'https://api.stripe.com', hubspot: 'https://api.hubapi.com', gcal: 'https://www.googleapis.com' };

/** One result per upstream, and one clock result for the first upstream that answered with a Date header. */
export async function checkUpstreams(config: Config, logger: Logger): Promise<CheckResult[]> {
  const setups = describeUpstreams(config, upstreamsToSimulate(config));
  const check = createCredentialChecker(config, { logger });
  const results = await Promise.all(UPSTREAMS.map((u) => checkOne(config, u, setups[u], check)));
  const out = results.map((r) => r.result);
  const dated = results.find((r) => r.skew);
  if (dated?.skew) out.push(skewResult(`clock (${dated.skew.upstream})`, dated.skew.ms, dated.skew.uncertaintyMs + 1000));
  return out;
}

type Checked = { result: CheckResult; skew?: { upstream: UpstreamName; ms: number; uncertaintyMs: number } };

async function checkOne(config: Config, upstream: UpstreamName, setup: UpstreamSetup, check: ReturnType<typeof createCredentialChecker>): Promise<Checked> {
  const name = `upstream ${upstream}`;
  if (setup.state === 'disabled') return { result: result(name, 'ok', 'disabled by its _ENABLED setting') };
  if (setup.state === 'simulated') return { result: result(name, 'ok', 'simulated by the sandbox (`buffalo start` runs it; SANDBOX=off to stop)') };
  if (setup.state === 'not configured') {
    const fix = `set ${setup.missing.join(', ')}`;
    // Some of its variables set but not all is a mistake; none set is a choice (its routes answer 503).
    return isUntouched(config, upstream)
      ? { result: result(name, 'warn', 'not configured (its routes answer 503)', `${fix} to use it`) }
      : { result: result(name, 'fail', `partly configured: ${setup.missing.join(', ')} missing`, fix) };
  }
  const base = baseUrl(config, upstream);
  const reach = await reachable(base);
  if (!reach.ok) return { result: result(name, 'fail', `not reachable at ${base}: ${reach.error}`, `check ${urlVariable(upstream)} and the network`) };
  const skew = reach.date !== undefined ? { upstream, ms: reach.date - reach.at, uncertaintyMs: reach.rttMs } : undefined;
  const credentials = credentialsOf(config, upstream);
  if (!credentials) return { result: result(name, 'ok', `reachable at ${base}`), ...(skew ? { skew } : {}) };
  try {
    await check(credentials, {});
    return { result: result(name, 'ok', `reachable at ${base}, credentials accepted`), ...(skew ? { skew } : {}) };
  } catch (err) {
    if (err instanceof AppError && err.code === 'invalid_credentials') {
      return { result: result(name, 'fail', err.message, `check ${CREDENTIAL_VARS[upstream]}`) };
    }
    return { result: result(name, 'fail', `credential check failed: ${(err as Error).message}`, `check ${urlVariable(upstream)} and ${CREDENTIAL_VARS[upstream]}`) };
  }
}

function baseUrl(config: Config, upstream: UpstreamName): string {
  const set = { stripe: config.stripe.apiBase, hubspot: config.hubspot.apiBase, gcal: config.gcal.apiBase, adplatform: config.adplatform.apiUrl, eventservice: config.eventService.baseUrl, inventory: config.inventory.baseUrl }[upstream];
  return (set ?? DEFAULT_BASE[upstream] ?? '').replace(/\/+$/, '');
}

function urlVariable(upstream: UpstreamName): string {
  return { stripe: 'STRIPE_API_BASE', hubspot: 'HUBSPOT_API_BASE', gcal: 'GCAL_API_BASE', adplatform: 'AD_PLATFORM_API_URL', eventservice: 'EVENT_API_BASE_URL', inventory: 'INVENTORY_API_BASE_URL' }[upstream];
}

// The configured credentials in the connections module's shape; undefined when there are none to check.
function credentialsOf(config: Config, upstream: UpstreamName): ConnectionCredentials | undefined {
  switch (upstream) {
    case 'stripe':
      return config.stripe.apiKey ? { provider: 'stripe', credentials: { apiKey: config.stripe.apiKey } } : undefined;
    case 'hubspot':
      return config.hubspot.accessToken ? { provider: 'hubspot', credentials: { accessToken: config.hubspot.accessToken } } : undefined;
    case 'gcal':
      return config.gcal.clientEmail && config.gcal.privateKey ? { provider: 'gcal', credentials: { clientEmail: config.gcal.clientEmail, privateKey: config.gcal.privateKey } } : undefined;
    case 'adplatform': {
      const { email, password, clientId } = config.adplatform;
      return email && password ? { provider: 'adplatform', credentials: { email, password, ...(clientId ? { clientId } : {}) } } : undefined;
    }
    default:
      return undefined;
  }
}

// Any HTTP answer proves the host is there; its Date header gives its clock.
async function reachable(url: string): Promise<{ ok: true; at: number; rttMs: number; date: number | undefined } | { ok: false; error: string }> {
  const started = Date.now();
  try {
    const res = await fetch(url, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(REACH_TIMEOUT_MS) });
    await res.body?.cancel();
    const ended = Date.now();
    const header = res.headers.get('date');
    const date = header ? Date.parse(header) : Number.NaN;
    return { ok: true, at: (started + ended) / 2, rttMs: ended - started, date: Number.isFinite(date) ? date : undefined };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, error: cause?.code ?? cause?.message ?? (err as Error).message };
  }
}
