/**
 * The sandbox: every upstream simulated on its own port, in the order stripe, hubspot,
 * gcal, adplatform, eventservice, inventory from `basePort`. Used by `buffalo start` (for
 * upstreams without credentials), `buffalo sandbox`, tests and benches — the only entry point
 * into `src/sandbox/` from outside it.
 */
import type { RunningSimulator } from './common/index.ts';
import { ADPLATFORM_DEV_CREDENTIALS, adplatformAccountCredentials, startAdPlatformSimulator } from './adplatform/index.ts';
import { startEventServiceSimulator } from './eventservice/index.ts';
import { gcalServiceAccountEmail, GOOGLE_OAUTH_CLIENT, startGcalSimulator } from './gcal/index.ts';
import { HUBSPOT_DEV_ACCESS_TOKEN, HUBSPOT_OAUTH_CLIENT, hubspotPortalToken, startHubspotSimulator } from './hubspot/index.ts';
import { startInventorySimulator } from './inventory/index.ts';
import { STRIPE_DEV_API_KEY, stripeAccountKey, startStripeSimulator } from './stripe/index.ts';

export { s256Challenge } from './gcal/index.ts';

/** Simulator names, in port order from `SANDBOX_PORT`. */
export const SANDBOX_NAMES = ['stripe', 'hubspot', 'gcal', 'adplatform', 'eventservice', 'inventory'] as const;
/** One simulator. */
export type SandboxName = (typeof SANDBOX_NAMES)[number];

/** Credentials the simulators accept: fixed development values unless the caller passes its own. */
export interface SandboxCredentials {
  /** `webhookSecret` only when a webhook endpoint is registered (the simulator signs with it). */
  stripe: { apiKey: string; webhookSecret?: string };
  /** `oauthClientId` / `oauthClientSecret`: the app the simulator's OAuth endpoints know. */
  hubspot: { accessToken: string; oauthClientId: string; oauthClientSecret: string };
  gcal: { calendarId: string; tokenUri: string; oauthClientId: string; oauthClientSecret: string };
  adplatform: { email: string; password: string; clientId: string };
}

/** The credentials of account `n` (≥ 2) of each simulator that holds accounts. */
export interface SandboxAccountCredentials {
  stripe: { apiKey: string };
  hubspot: { accessToken: string };
  /** A service account: the JWT issuer (`clientEmail`) whose primary calendar is `calendarId`. */
  gcal: { clientEmail: string; calendarId: string };
  adplatform: { email: string; password: string; clientId: string };
}

/** Simulators that hold many accounts (`SANDBOX_<NAME>_ACCOUNTS`, `POST <url>/__sandbox/accounts`). */
export type AccountSimulator = keyof SandboxAccountCredentials;

/**
 * The deterministic credentials of account `n` of simulator `name`: account 1 is the development
 * account (the operator's own credentials, when set, replace these for account 1 only); accounts
 * n ≥ 2 exist once seeded with `SANDBOX_<NAME>_ACCOUNTS` ≥ n or created at runtime.
 */
export function sandboxAccountCredentials<N extends AccountSimulator>(name: N, n: number): SandboxAccountCredentials[N] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`sandboxAccountCredentials: account numbers start at 1 (got ${n})`);
  const all: { [K in AccountSimulator]: () => SandboxAccountCredentials[K] } = {
    stripe: () => ({ apiKey: stripeAccountKey(n) }),
    hubspot: () => ({ accessToken: hubspotPortalToken(n) }),
    gcal: () => (n === 1 ? { clientEmail: DEV.gcalCalendarId, calendarId: DEV.gcalCalendarId } : { clientEmail: gcalServiceAccountEmail(n), calendarId: gcalServiceAccountEmail(n) }),
    adplatform: () => adplatformAccountCredentials(n),
  };
  return all[name]();
}

/** Options of `startSandbox`. */
export interface SandboxOptions {
  /** First port; simulator i listens on basePort + i. 0 = each gets an ephemeral port. */
  basePort: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Start only these (ports keep their offsets). Default all. */
  only?: readonly SandboxName[];
  /** Env for the `SANDBOX_<NAME>_<KNOB>` knobs, `SANDBOX_<NAME>_ACCOUNTS`, `INVENTORY_FAILURE_RATE`, `SANDBOX_ADPLATFORM_EMAIL` / `_PASSWORD` / `_CLIENT_ID`. */
  env?: Record<string, string | undefined>;
  /** Register this Stripe webhook endpoint (signed with `secret`). */
  stripeWebhook?: { url: string; secret: string };
  /** Credentials to accept instead of the development ones (the operator's own, which are never replaced). */
  credentials?: CredentialOverrides;
}

/** Credentials a caller may set instead of the development values. */
export interface CredentialOverrides {
  stripeApiKey?: string;
  hubspotAccessToken?: string;
  gcalCalendarId?: string;
  adplatform?: { email?: string; password?: string; clientId?: string };
}

/** A running sandbox. */
export interface Sandbox {
  /** Base URL of each started simulator. */
  urls: Partial<Record<SandboxName, string>>;
  credentials: SandboxCredentials;
  /** The running simulators (knobs, clock, state) for tests and benches. */
  simulators: Partial<Record<SandboxName, RunningSimulator<unknown>>>;
  /** Stop every simulator. */
  close(): Promise<void>;
}

const DEV = {
  stripeApiKey: STRIPE_DEV_API_KEY,
  hubspotAccessToken: HUBSPOT_DEV_ACCESS_TOKEN,
  gcalCalendarId: 'sandbox@buffalo.example',
  adplatformClientId: 'buffalo-sandbox',
};

/** The credentials the simulators accept, except the gcal token URI (it depends on a started simulator). */
export function sandboxCredentials(opts: Pick<SandboxOptions, 'env' | 'stripeWebhook' | 'credentials'>): Omit<SandboxCredentials, 'gcal'> & { gcal: Omit<SandboxCredentials['gcal'], 'tokenUri'> } {
  const env = opts.env ?? {};
  const own = opts.credentials ?? {};
  return {
    stripe: { apiKey: own.stripeApiKey ?? DEV.stripeApiKey, ...(opts.stripeWebhook ? { webhookSecret: opts.stripeWebhook.secret } : {}) },
    hubspot: { accessToken: own.hubspotAccessToken ?? DEV.hubspotAccessToken, oauthClientId: HUBSPOT_OAUTH_CLIENT.clientId, oauthClientSecret: HUBSPOT_OAUTH_CLIENT.clientSecret },
    gcal: { calendarId: own.gcalCalendarId ?? DEV.gcalCalendarId, oauthClientId: GOOGLE_OAUTH_CLIENT.clientId, oauthClientSecret: GOOGLE_OAUTH_CLIENT.clientSecret },
    adplatform: {
      email: own.adplatform?.email ?? (env.SANDBOX_ADPLATFORM_EMAIL || ADPLATFORM_DEV_CREDENTIALS.email),
      password: own.adplatform?.password ?? (env.SANDBOX_ADPLATFORM_PASSWORD || ADPLATFORM_DEV_CREDENTIALS.password),
      clientId: own.adplatform?.clientId ?? (env.SANDBOX_ADPLATFORM_CLIENT_ID || DEV.adplatformClientId),
    },
  };
}

/** Start the simulators; on any failure the ones already started are closed and the error rethrown. */
export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const host = opts.host ?? '127.0.0.1';
  const env = opts.env ?? {};
  const creds = sandboxCredentials(opts);
  const port = (name: SandboxName) => (opts.basePort === 0 ? 0 : opts.basePort + SANDBOX_NAMES.indexOf(name));
  const starters: Record<SandboxName, () => Promise<RunningSimulator<unknown>>> = {
    stripe: () =>
      startStripeSimulator({
        port: port('stripe'),
        host,
        env,
        apiKey: creds.stripe.apiKey,
        ...(opts.stripeWebhook ? { webhooks: [{ url: opts.stripeWebhook.url, secret: opts.stripeWebhook.secret }] } : {}),
      }),
    hubspot: () => startHubspotSimulator({ port: port('hubspot'), host, env, accessToken: creds.hubspot.accessToken }),
    gcal: () => startGcalSimulator({ port: port('gcal'), host, env, calendarId: creds.gcal.calendarId }),
    adplatform: () => startAdPlatformSimulator({ port: port('adplatform'), host, env, credentials: { email: creds.adplatform.email, password: creds.adplatform.password } }),
    eventservice: () => startEventServiceSimulator({ port: port('eventservice'), host, env }),
    inventory: () => startInventorySimulator({ port: port('inventory'), host, env }),
  };

  const simulators: Partial<Record<SandboxName, RunningSimulator<unknown>>> = {};
  const close = async () => {
    const running = Object.values(simulators);
    await Promise.all(running.map((s) => s.close()));
  };
  try {
    // One at a time, in port order, so a port clash names the simulator that could not start.
    for (const name of SANDBOX_NAMES) {
      if (opts.only && !opts.only.includes(name)) continue;
      try {
        simulators[name] = await starters[name]();
      } catch (err) {
        throw new Error(`sandbox: ${name} simulator could not start on ${host}:${port(name)}: ${(err as Error).message}`, { cause: err });
      }
    }
  } catch (err) {
    await close();
    throw err;
  }
  const urls: Partial<Record<SandboxName, string>> = {};
  for (const [name, sim] of Object.entries(simulators) as Array<[SandboxName, RunningSimulator<unknown>]>) urls[name] = sim.url;
  const credentials: SandboxCredentials = { ...creds, gcal: { ...creds.gcal, tokenUri: urls.gcal ? `${urls.gcal}/token` : '' } };
  return { urls, credentials, simulators, close };
}

/**
 * The environment variables that point Buffalo's connectors at a running sandbox (only for the
 * simulators it runs), e.g. `STRIPE_API_BASE` and `STRIPE_API_KEY`.
 */
export function sandboxEnv(sandbox: Pick<Sandbox, 'urls' | 'credentials'>): Record<string, string> {
  const { urls, credentials: c } = sandbox;
  const out: Record<string, string> = {};
  if (urls.stripe) Object.assign(out, { STRIPE_API_BASE: urls.stripe, STRIPE_API_KEY: c.stripe.apiKey, ...(c.stripe.webhookSecret ? { STRIPE_WEBHOOK_SECRET: c.stripe.webhookSecret } : {}) });
  if (urls.hubspot) {
    Object.assign(out, { HUBSPOT_API_BASE: urls.hubspot, HUBSPOT_ACCESS_TOKEN: c.hubspot.accessToken, HUBSPOT_OAUTH_CLIENT_ID: c.hubspot.oauthClientId, HUBSPOT_OAUTH_CLIENT_SECRET: c.hubspot.oauthClientSecret });
    Object.assign(out, { HUBSPOT_OAUTH_AUTHORIZE_URL: `${urls.hubspot}/oauth/authorize`, HUBSPOT_OAUTH_TOKEN_URL: `${urls.hubspot}/oauth/v1/token` });
  }
  if (urls.gcal) {
    Object.assign(out, { GCAL_API_BASE: urls.gcal, GOOGLE_CALENDAR_ID: c.gcal.calendarId, GOOGLE_OAUTH_CLIENT_ID: c.gcal.oauthClientId, GOOGLE_OAUTH_CLIENT_SECRET: c.gcal.oauthClientSecret });
    Object.assign(out, { GOOGLE_OAUTH_AUTHORIZE_URL: `${urls.gcal}/o/oauth2/v2/auth`, GOOGLE_OAUTH_TOKEN_URL: `${urls.gcal}/token` });
  }
  if (urls.adplatform) {
    Object.assign(out, { AD_PLATFORM_API_URL: urls.adplatform, AD_PLATFORM_EMAIL: c.adplatform.email, AD_PLATFORM_PASSWORD: c.adplatform.password, AD_PLATFORM_CLIENT_ID: c.adplatform.clientId });
  }
  if (urls.eventservice) out.EVENT_API_BASE_URL = urls.eventservice;
  if (urls.inventory) out.INVENTORY_API_BASE_URL = urls.inventory;
  return out;
}

/** Options of `runSandboxCommand`. */
export interface SandboxCommandOptions {
  /** Default: `SANDBOX_PORT` from env, else 4100. */
  basePort?: number;
  host?: string;
  only?: readonly SandboxName[];
  /** Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Where the banner goes (default console.log). */
  out?: (line: string) => void;
  /** Stop when aborted (in addition to SIGINT/SIGTERM); lets tests end the command. */
  signal?: AbortSignal;
  /** Called once the simulators are up. */
  onReady?: (sandbox: Sandbox) => void;
}

/** `buffalo sandbox`: start the simulators, print URLs and dev credentials, run until SIGINT/SIGTERM. */
export async function runSandboxCommand(opts: SandboxCommandOptions = {}): Promise<void> {
  const env = opts.env ?? process.env;
  const out = opts.out ?? ((line: string) => console.log(line));
  const basePort = opts.basePort ?? (env.SANDBOX_PORT ? Number(env.SANDBOX_PORT) : 4100);
  if (!Number.isInteger(basePort) || basePort < 0 || basePort > 65535) throw new Error(`SANDBOX_PORT: expected a port number (got ${JSON.stringify(env.SANDBOX_PORT)})`);
  const sandbox = await startSandbox({ basePort, env, ...(opts.host ? { host: opts.host } : {}), ...(opts.only ? { only: opts.only } : {}) });
  for (const line of sandboxBanner(sandbox)) out(line);
  opts.onReady?.(sandbox);

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      opts.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (opts.signal?.aborted) stop();
    else opts.signal?.addEventListener('abort', stop, { once: true });
  });
  out('sandbox: stopping');
  await sandbox.close();
}

/** The lines `buffalo sandbox` prints: each simulator's URL, then the env that points Buffalo at them. */
export function sandboxBanner(sandbox: Pick<Sandbox, 'urls' | 'credentials'>): string[] {
  const lines = ['Buffalo sandbox — simulated upstreams (dev credentials; faults: POST <url>/__sandbox/faults)', ''];
  for (const name of SANDBOX_NAMES) {
    const url = sandbox.urls[name];
    if (url) lines.push(`  ${name.padEnd(13)} ${url}`);
  }
  lines.push('', 'Point Buffalo at it with:', '');
  for (const [k, v] of Object.entries(sandboxEnv(sandbox))) lines.push(`  ${k}=${v}`);
  lines.push('', 'Ctrl-C to stop.');
  return lines;
}
