/**
 * Development secrets: when API_KEY, ADMIN_API_KEY, JWT_SECRET or BUFFALO_SECRET_KEY are unset outside production,
 * they are generated once into `<dataDir>/dev-keys.json` (mode 0600) and reused on every start,
 * so a laptop has working keys with no setup and they stay stable across restarts. The same
 * file holds the secret the Stripe simulator signs webhooks with when the operator set none.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withOverrides, type Config } from '../config.ts';

/** The generated secrets. */
export interface DevKeys {
  apiKey: string;
  adminApiKey: string;
  jwtSecret: string;
  /** Signs the Stripe simulator's webhooks when STRIPE_WEBHOOK_SECRET is unset. */
  stripeWebhookSecret: string;
  /** Seals connection credentials when BUFFALO_SECRET_KEY is unset (32 bytes, base64url). */
  secretKey: string;
}

/** The dev keys file as it is (empty when absent); never writes. */
export function readDevKeys(dataDir: string): Partial<DevKeys> {
  const file = path.join(dataDir, 'dev-keys.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<DevKeys>) : {};
}

/** Read or create the dev keys file (a file from an older version gains the keys it lacks). */
export function loadDevKeys(dataDir: string): DevKeys {
  const file = path.join(dataDir, 'dev-keys.json');
  const stored = readDevKeys(dataDir);
  const keys: DevKeys = {
    apiKey: stored.apiKey ?? `bk_${randomBytes(18).toString('base64url')}`,
    adminApiKey: stored.adminApiKey ?? `bka_${randomBytes(18).toString('base64url')}`,
    jwtSecret: stored.jwtSecret ?? randomBytes(32).toString('base64url'),
    stripeWebhookSecret: stored.stripeWebhookSecret ?? `whsec_${randomBytes(24).toString('base64url')}`,
    secretKey: stored.secretKey ?? randomBytes(32).toString('base64url'),
  };
  if (Object.keys(stored).length !== Object.keys(keys).length) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  }
  return keys;
}

/**
 * Fill unset auth secrets and the credentials sealing key from the dev keys (never in production:
 * config requires them there). `readOnly`: only the keys an existing file holds; nothing written.
 */
export function withDevKeys(config: Config, opts: { readOnly?: boolean } = {}): { config: Config; generated: string[] } {
  const { auth } = config;
  if (config.nodeEnv === 'production' || (auth.apiKey && auth.adminApiKey && (auth.jwtSecret || auth.jwtJwksUrl) && config.secrets.key)) {
    return { config, generated: [] };
  }
  const dev: Partial<DevKeys> = opts.readOnly ? readDevKeys(config.dataDir) : loadDevKeys(config.dataDir);
  const generated: string[] = [];
  const fill = <K extends 'apiKey' | 'adminApiKey' | 'jwtSecret'>(k: K, current: string | undefined) => {
    if (current || !dev[k]) return current;
    generated.push(k);
    return dev[k];
  };
  const fillSecretKey = () => {
    if (config.secrets.key || !dev.secretKey) return config.secrets.key;
    generated.push('secretKey');
    return dev.secretKey;
  };
  return {
    config: withOverrides(config, {
      auth: {
        apiKey: fill('apiKey', auth.apiKey),
        adminApiKey: fill('adminApiKey', auth.adminApiKey),
        jwtSecret: auth.jwtJwksUrl ? auth.jwtSecret : fill('jwtSecret', auth.jwtSecret),
      },
      secrets: { key: fillSecretKey() },
    }),
    generated,
  };
}
