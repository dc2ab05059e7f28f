/**
 * Sandbox wiring — the one place runtime start-up touches src/sandbox. Which upstreams a
 * simulator serves: with SANDBOX=auto (the default outside production) every enabled upstream
 * the operator left entirely unconfigured; with SANDBOX=on every enabled upstream whose URL the
 * operator did not set; with SANDBOX=off (the default under NODE_ENV=production) none. The
 * config is then re-resolved with the simulators' URLs, so connectors cannot tell a simulator
 * from the real service. A value the operator set always wins: the simulators accept the
 * operator's credentials and sign webhooks with the operator's secret. Rationale:
 * docs/architecture.md#upstream-configuration.
 */
import { resolveConfig, type Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { SANDBOX_NAMES, sandboxCredentials, sandboxEnv, startSandbox, type CredentialOverrides, type Sandbox, type SandboxName } from '../sandbox/index.ts';
import { describeUpstreams, hasOperatorUrl, isUntouched, isUpstreamEnabled, type UpstreamSetups } from '../upstreamSetup.ts';
import { loadDevKeys, withDevKeys } from './devKeys.ts';
import type { InstanceEntry } from './instanceRegistry.ts';
import { maskSecret } from './maskSecret.ts';

/** The upstreams a simulator serves under the config's SANDBOX mode. */
export function upstreamsToSimulate(config: Config): SandboxName[] {
  const mode = config.sandbox.mode;
  if (mode === 'off') return [];
  return SANDBOX_NAMES.filter((u) => isUpstreamEnabled(config, u) && !hasOperatorUrl(config, u) && (mode === 'on' || isUntouched(config, u)));
}

/** The config with sandbox URLs filled in, the running sandbox (if this process owns it) and what serves each upstream. */
export interface WiredUpstreams {
  config: Config;
  sandbox: Sandbox | undefined;
  simulated: SandboxName[];
  /** Base URL of the simulator serving each simulated upstream. */
  simulatorUrls: Partial<Record<SandboxName, string>>;
  /** First port of those simulators when they listen from a fixed base (SANDBOX_PORT or the running instance's). */
  sandboxPort?: number;
  /** Upstreams this command would have simulated but leaves alone, each with why (see {@link wireSandbox}). */
  withheld: Partial<Record<SandboxName, string>>;
  /** Each upstream's state (configured, simulated, disabled, not configured with the variables to set). */
  upstreams: UpstreamSetups;
  /** `NAME=value` lines a developer needs to point official clients at the simulators; operator values masked. */
  credentialLines: string[];
}

/**
 * Point the config at simulators. `own: true` starts them on SANDBOX_PORT (the `start --role all`
 * process). Otherwise, when `instance` (a running `buffalo start` on the same database) is given,
 * its simulators are used whatever this process's SANDBOX_PORT says — their data is the data in
 * that database — and an unreachable one is an error, never a throwaway stand-in; upstreams it
 * does not simulate are left unwired. Without one, a sandbox listening on SANDBOX_PORT is reused,
 * and when none is, one is started on ephemeral ports for the life of this command (`buffalo sync`
 * on its own).
 */
export async function wireSandbox(config: Config, opts: { own: boolean; env: Record<string, string | undefined>; logger: Logger; webhookUrl?: string; instance?: InstanceEntry }): Promise<WiredUpstreams> {
  const wanted = upstreamsToSimulate(config);
  const instance = opts.own ? undefined : opts.instance;
  const withheld: Partial<Record<SandboxName, string>> = {};
  const simulated = instance ? wanted.filter((u) => instance.simulators?.[u]) : wanted;
  for (const u of wanted.filter((name) => !simulated.includes(name))) withheld[u] = notSimulatedThere(u, instance!);
  if (simulated.length === 0) return { config, sandbox: undefined, simulated, simulatorUrls: {}, withheld, upstreams: describeUpstreams(config, []), credentialLines: [] };
  if (config.nodeEnv === 'production') {
    opts.logger.warn({ simulated, sandbox: config.sandbox.mode }, 'NODE_ENV=production with simulated upstreams: their data is fake; set SANDBOX=off (the production default) and configure them');
  }
  const host = '127.0.0.1';
  const own = operatorCredentials(config);
  // The secret in force: the operator's, else one generated for this data directory — never a
  // constant from the source, which anyone could sign a forged event with.
  const webhookSecret = config.stripe.webhookSecret ?? loadDevKeys(config.dataDir).stripeWebhookSecret;
  const webhook = opts.webhookUrl && simulated.includes('stripe') ? { url: opts.webhookUrl, secret: webhookSecret } : undefined;

  let sandbox: Sandbox | undefined;
  let env: Record<string, string>;
  let urls: Partial<Record<SandboxName, string>> = {};
  let sandboxPort: number | undefined;
  const atBase = (base: number) => Object.fromEntries(simulated.map((name) => [name, `http://${host}:${base + SANDBOX_NAMES.indexOf(name)}`])) as Partial<Record<SandboxName, string>>;
  if (instance) {
    urls = Object.fromEntries(simulated.map((name) => [name, instance.simulators![name]!]));
    const silent = (await Promise.all(simulated.map(async (name) => ((await answers(`${urls[name]}/health`)) ? undefined : name)))).filter((n) => n !== undefined);
    if (silent.length) throw new Error(unreachableMessage(instance, silent, urls));
    if (instance.sandboxPort !== undefined) sandboxPort = instance.sandboxPort;
  } else if (!opts.own && (await answers(`http://${host}:${config.sandbox.port}/health`))) {
    urls = atBase(config.sandbox.port);
    sandboxPort = config.sandbox.port;
  } else {
    sandbox = await startSandbox({ basePort: opts.own ? config.sandbox.port : 0, host, only: simulated, env: opts.env, credentials: own, ...(webhook ? { stripeWebhook: webhook } : {}) });
    urls = { ...sandbox.urls };
    if (opts.own) sandboxPort = config.sandbox.port;
  }
  if (sandbox) {
    env = sandboxEnv(sandbox);
  } else {
    // Reuse running simulators: they accept the same credentials.
    const creds = sandboxCredentials({ env: opts.env, credentials: own, ...(webhook ? { stripeWebhook: webhook } : {}) });
    env = sandboxEnv({ urls, credentials: { ...creds, gcal: { ...creds.gcal, tokenUri: urls.gcal ? `${urls.gcal}/token` : '' } } });
  }
  // The operator's values are applied last, so no sandbox value can replace one of them.
  const merged = withDevKeys(resolveConfig({ ...env, ...setValues(opts.env) })).config;
  return {
    config: merged,
    sandbox,
    simulated,
    simulatorUrls: urls,
    ...(sandboxPort !== undefined ? { sandboxPort } : {}),
    withheld,
    upstreams: describeUpstreams(merged, simulated),
    credentialLines: credentialLines(env, opts.env),
  };
}

function describeInstance(i: InstanceEntry): string {
  return `the running buffalo (pid ${i.pid}, started in ${i.cwd})`;
}

function notSimulatedThere(upstream: SandboxName, i: InstanceEntry): string {
  return `${upstream} is not simulated by ${describeInstance(i)}, which uses this database: a simulator started here would write invented ${upstream} data into it. ` +
    `Configure ${upstream} here as that instance has it configured, or run this command where nothing uses this database.`;
}

function unreachableMessage(i: InstanceEntry, silent: SandboxName[], urls: Partial<Record<SandboxName, string>>): string {
  return `${describeInstance(i)} uses this database and simulates ${silent.join(', ')}, but ${silent.map((n) => urls[n]).join(', ')} does not answer. ` +
    'Nothing was synced: a throwaway simulator would write invented data into that database. Restart that `buffalo start` (or stop it, then run this command on its own).';
}

// The credentials the operator set; a simulator accepts these instead of its development ones.
function operatorCredentials(config: Config): CredentialOverrides {
  const { stripe, hubspot, adplatform } = config;
  const ad = { ...(adplatform.email ? { email: adplatform.email } : {}), ...(adplatform.password ? { password: adplatform.password } : {}), ...(adplatform.clientId ? { clientId: adplatform.clientId } : {}) };
  return {
    ...(stripe.apiKey ? { stripeApiKey: stripe.apiKey } : {}),
    ...(hubspot.accessToken ? { hubspotAccessToken: hubspot.accessToken } : {}),
    // 'primary' is the default, not a choice: the simulator keeps its own calendar then.
    ...(config.gcal.calendarId !== 'primary' ? { gcalCalendarId: config.gcal.calendarId } : {}),
    ...(Object.keys(ad).length ? { adplatform: ad } : {}),
  };
}

// Credential variables whose values are secrets; any of them the operator set is shown masked.
const SECRET_VARIABLES = new Set(['STRIPE_API_KEY', 'STRIPE_WEBHOOK_SECRET', 'HUBSPOT_ACCESS_TOKEN', 'AD_PLATFORM_PASSWORD', 'HUBSPOT_OAUTH_CLIENT_SECRET', 'GOOGLE_OAUTH_CLIENT_SECRET']);

function credentialLines(env: Record<string, string>, operatorEnv: Record<string, string | undefined>): string[] {
  return Object.entries(env).map(([name, value]) => `${name}=${SECRET_VARIABLES.has(name) && operatorEnv[name] ? maskSecret(value) : value}`);
}

function setValues(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(500) });
    return res.ok;
  } catch {
    return false;
  }
}
