/**
 * Sandbox wiring — the one place runtime start-up touches src/sandbox. With SANDBOX=auto every
 * upstream that has no credentials configured is simulated (SANDBOX=on: all of them; off: none),
 * and the config is re-resolved with the simulators' URLs and dev credentials, so connectors
 * cannot tell a simulator from the real service.
 */
import { resolveConfig, type Config } from '../config.ts';
import { SANDBOX_NAMES, sandboxEnv, startSandbox, type Sandbox, type SandboxName } from '../sandbox/index.ts';
import { withDevKeys } from './devKeys.ts';

/** Upstreams lacking credentials (what SANDBOX=auto simulates). */
export function upstreamsToSimulate(config: Config): SandboxName[] {
  if (config.sandbox.mode === 'off') return [];
  if (config.sandbox.mode === 'on') return [...SANDBOX_NAMES];
  const missing: SandboxName[] = [];
  if (!config.stripe.apiKey) missing.push('stripe');
  if (!config.hubspot.accessToken) missing.push('hubspot');
  if (!config.gcal.clientEmail && !config.gcal.apiBase) missing.push('gcal');
  if (!config.adplatform.apiUrl) missing.push('adplatform');
  if (!config.eventService.baseUrl) missing.push('eventservice');
  if (!config.inventory.baseUrl) missing.push('inventory');
  return missing;
}

/** The config with sandbox URLs and credentials filled in, and the running sandbox (if this process owns it). */
export interface WiredUpstreams {
  config: Config;
  sandbox: Sandbox | undefined;
  simulated: SandboxName[];
}

/**
 * Point the config at simulators. `own: true` starts them on SANDBOX_PORT (the `start --role all`
 * process); otherwise a sandbox already listening there is reused, and when none is, one is
 * started on ephemeral ports for the life of this command (`buffalo sync` on its own).
 */
export async function wireSandbox(config: Config, opts: { own: boolean; env: Record<string, string | undefined>; webhookUrl?: string }): Promise<WiredUpstreams> {
  const simulated = upstreamsToSimulate(config);
  if (simulated.length === 0) return { config, sandbox: undefined, simulated };
  const host = '127.0.0.1';
  const webhook = opts.webhookUrl && simulated.includes('stripe') ? { url: opts.webhookUrl, secret: 'whsec_buffalo_sandbox_local' } : undefined;

  let sandbox: Sandbox | undefined;
  let env: Record<string, string>;
  if (!opts.own && (await answers(`http://${host}:${config.sandbox.port}/health`))) {
    // Reuse the running sandbox: its URLs follow the port order; credentials are the fixed dev ones.
    const creds = await startSandbox({ basePort: 0, only: [], env: opts.env });
    const urls: Partial<Record<SandboxName, string>> = {};
    for (const name of simulated) urls[name] = `http://${host}:${config.sandbox.port + SANDBOX_NAMES.indexOf(name)}`;
    env = sandboxEnv({ urls, credentials: creds.credentials });
  } else {
    sandbox = await startSandbox({ basePort: opts.own ? config.sandbox.port : 0, host, only: simulated, env: opts.env, ...(webhook ? { stripeWebhook: webhook } : {}) });
    env = sandboxEnv(sandbox);
  }
  if (webhook) env.STRIPE_WEBHOOK_SECRET = webhook.secret;
  // Re-resolve so the sandbox values go through the same validation as real ones.
  const merged = withDevKeys(resolveConfig({ ...opts.env, ...env })).config;
  return { config: merged, sandbox, simulated };
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(500) });
    return res.ok;
  } catch {
    return false;
  }
}
