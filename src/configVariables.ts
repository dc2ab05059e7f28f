/**
 * What each configuration variable means, next to the schema in ./config.ts that reads it, and
 * the `.env.example` rendered from both: every variable `resolveConfig` reads, at its default,
 * with one line of meaning; secrets blank. A test fails when the schema, these meanings and the
 * committed file disagree (`npm run env:example` rewrites the file).
 */
import { listConfigVariables, UPSTREAMS, type UpstreamName } from './config.ts';

/** One documented variable. */
export interface ConfigVariable {
  name: string;
  /** The default as it would be written in the environment ('' for none). */
  default: string;
  meaning: string;
  /** Never written with a value, not even a default. */
  secret: boolean;
}

// Meanings of the variables that are not per-upstream resilience knobs. `secret: true` marks
// values that must never be committed.
const MEANINGS: Record<string, { meaning: string; secret?: true }> = {
  NODE_ENV: { meaning: 'development, production or test; production requires API_KEY, ADMIN_API_KEY, JWT_SECRET (or JWT_JWKS_URL) and BUFFALO_SECRET_KEY, and turns the sandbox off' },
  LOG_LEVEL: { meaning: 'pino level: fatal, error, warn, info, debug, trace or silent (test: silent)' },
  LOG_FORMAT: { meaning: 'auto (readable lines on a terminal outside production, JSON otherwise), json or pretty' },
  BUFFALO_DATA_DIR: { meaning: 'data directory: the embedded PostgreSQL cluster and the development keys' },
  DATABASE_URL: { meaning: 'any PostgreSQL 14+ (postgres://user:password@host:5432/db); unset: the embedded PostgreSQL under BUFFALO_DATA_DIR', secret: true },
  BUFFALO_EMBEDDED_PG_PORT: { meaning: 'port of the embedded PostgreSQL' },
  HOST: { meaning: 'address the HTTP API listens on' },
  PORT: { meaning: 'port of the HTTP API' },
  HTTP_BODY_LIMIT_BYTES: { meaning: 'larger request bodies get 413' },
  PUBLIC_URL: { meaning: 'base URL shown in the banner and OpenAPI and of OAuth redirects (unset: http://HOST:PORT)' },
  API_KEY: { meaning: 'X-Api-Key of the API, at least 16 characters (production: at least 8 different ones; development: generated into dev-keys.json)', secret: true },
  ADMIN_API_KEY: { meaning: 'X-Admin-Api-Key of the admin routes, at least 16 characters (production: at least 8 different ones, and not API_KEY; development: generated)', secret: true },
  JWT_SECRET: { meaning: 'HS256 secret of order API bearer tokens, at least 32 characters (production: at least 8 different ones, and neither API key; development: generated)', secret: true },
  JWT_JWKS_URL: { meaning: 'JWKS URL verifying order API bearer tokens instead of JWT_SECRET' },
  JWT_ISSUER: { meaning: 'required issuer (iss) of order API tokens' },
  JWT_AUDIENCE: { meaning: 'required audience (aud) of order API tokens' },
  SANDBOX: { meaning: 'auto: simulate each upstream configured with nothing; on: every upstream whose URL is unset; off: none (production default: off)' },
  SANDBOX_PORT: { meaning: 'first simulator port of `buffalo start` (stripe, hubspot, gcal, adplatform, eventservice, inventory follow); commands on a running instance\'s database use its simulators instead' },
  STRIPE_ENABLED: { meaning: 'sync Stripe' },
  STRIPE_API_KEY: { meaning: 'Stripe secret or restricted key (sk_… or rk_…)', secret: true },
  STRIPE_WEBHOOK_SECRET: { meaning: 'Stripe webhook signing secret (whsec_…)', secret: true },
  STRIPE_API_BASE: { meaning: 'Stripe API base URL (unset: api.stripe.com)' },
  HUBSPOT_ENABLED: { meaning: 'sync HubSpot' },
  HUBSPOT_ACCESS_TOKEN: { meaning: 'HubSpot private app access token', secret: true },
  HUBSPOT_API_BASE: { meaning: 'HubSpot API base URL (unset: api.hubapi.com)' },
  GCAL_ENABLED: { meaning: 'sync Google Calendar' },
  GOOGLE_CLIENT_EMAIL: { meaning: 'Google service account e-mail address' },
  GOOGLE_PRIVATE_KEY: { meaning: 'Google service account PEM private key', secret: true },
  GOOGLE_CALENDAR_ID: { meaning: 'calendar synced with the service account' },
  GCAL_API_BASE: { meaning: 'Google Calendar API base URL (unset: www.googleapis.com)' },
  ADPLATFORM_ENABLED: { meaning: 'sync the ad platform' },
  AD_PLATFORM_API_URL: { meaning: 'ad platform API base URL' },
  AD_PLATFORM_EMAIL: { meaning: 'ad platform login e-mail' },
  AD_PLATFORM_PASSWORD: { meaning: 'ad platform login password', secret: true },
  AD_PLATFORM_CLIENT_ID: { meaning: 'ad platform X-Client-Id' },
  EVENT_API_BASE_URL: { meaning: 'event service base URL' },
  INVENTORY_API_BASE_URL: { meaning: 'inventory service base URL' },
  INVENTORY_FAILURE_RATE: { meaning: 'percentage of inventory simulator calls that fail' },
  SYNC_INTERVAL_MS: { meaning: 'incremental sync of every source this often' },
  DAILY_SUMMARY_HOUR_UTC: { meaning: 'UTC hour of the daily summary' },
  NOTIFY_WEBHOOK_URL: { meaning: 'webhook receiving the daily summary and connection.broken notices' },
  NOTIFY_WEBHOOK_SECRET: { meaning: 'signs the notices to NOTIFY_WEBHOOK_URL (Buffalo-Signature, as webhook deliveries), at least 16 characters', secret: true },
  SYNC_CONCURRENCY: { meaning: 'sync runs at once per worker process' },
  SYNC_LEASE_TTL_MS: { meaning: "a sync's lease on its streams outlives its last heartbeat this long" },
  FULFILLMENT_MIN_DELAY_MS: { meaning: 'shortest simulated shipping time' },
  FULFILLMENT_MAX_DELAY_MS: { meaning: 'longest simulated shipping time' },
  BUFFALO_SECRET_KEY: { meaning: 'seals connection credentials at rest: 32 random bytes, base64 or hex (openssl rand -base64 32; production refuses fewer than 16 different byte values)', secret: true },
  BUFFALO_SECRET_KEYS_RETIRED: { meaning: 'comma-separated previous keys, only opening what they sealed until `buffalo connections rotate-key`', secret: true },
  CHANGES_RETENTION_DAYS: { meaning: 'days the change feed (GET /changes) keeps its rows; an older cursor gets 410 cursor_expired (docs/changes.md)' },
  SYNC_RUNS_RETENTION_DAYS: { meaning: 'days finished sync runs are kept (the newest of each status per connection stays); docs/runbooks/retention.md' },
  RECONCILIATIONS_RETENTION_DAYS: { meaning: 'days finished reconciliations are kept (the newest of each status per connection stays)' },
  DEAD_LETTERS_RETENTION_DAYS: { meaning: 'days a replayed dead letter is kept (open ones stay until replayed)' },
  WEBHOOK_EVENTS_RETENTION_DAYS: { meaning: 'days accepted Stripe webhook event ids are remembered to drop duplicate deliveries (at least 3)' },
  PROCESSED_EVENTS_RETENTION_DAYS: { meaning: 'days order-event ids a consumer handled are remembered' },
  SCHEDULER_TICKS_RETENTION_DAYS: { meaning: 'days fired scheduler slots are kept (at least 2)' },
  WEBHOOK_DELIVERIES_RETENTION_DAYS: { meaning: 'days a delivered outbound webhook delivery is kept (failed and dead ones stay)' },
  WEBHOOK_ALLOW_PRIVATE_URLS: { meaning: 'let outbound webhooks go to private, loopback, link-local or other reserved addresses (production default: false; development, test: true)' },
  WEBHOOK_TIMEOUT_MS: { meaning: 'deadline of one outbound webhook delivery attempt' },
  WEBHOOK_MAX_ATTEMPTS: { meaning: 'attempts (1-25) before an outbound webhook delivery goes to the dead letters' },
  HUBSPOT_OAUTH_CLIENT_ID: { meaning: 'HubSpot OAuth app client id (GET /connect/hubspot)' },
  HUBSPOT_OAUTH_CLIENT_SECRET: { meaning: 'HubSpot OAuth app client secret', secret: true },
  HUBSPOT_OAUTH_AUTHORIZE_URL: { meaning: "HubSpot's OAuth authorize endpoint" },
  HUBSPOT_OAUTH_TOKEN_URL: { meaning: "HubSpot's OAuth token endpoint" },
  GOOGLE_OAUTH_CLIENT_ID: { meaning: 'Google OAuth client id (GET /connect/gcal)' },
  GOOGLE_OAUTH_CLIENT_SECRET: { meaning: 'Google OAuth client secret', secret: true },
  GOOGLE_OAUTH_AUTHORIZE_URL: { meaning: "Google's OAuth authorize endpoint" },
  GOOGLE_OAUTH_TOKEN_URL: { meaning: "Google's OAuth token endpoint" },
};

// The resilience knobs, `<PREFIX>_<SUFFIX>` for every upstream.
const KNOB_MEANINGS: Record<string, string> = {
  TIMEOUT_MS: 'per-attempt timeout',
  DEADLINE_MS: 'deadline of a call across attempts and waits',
  RETRY_MAX_ATTEMPTS: 'attempts per call, the first included',
  RETRY_BASE_MS: 'first retry backoff (full jitter, doubling)',
  RETRY_MAX_MS: 'longest retry backoff',
  BREAKER_THRESHOLD: 'consecutive failures within the window that open the circuit breaker',
  BREAKER_WINDOW_MS: 'window of those failures',
  BREAKER_HALF_OPEN_MS: 'first open period before a probe',
  BREAKER_MAX_HALF_OPEN_MS: 'longest open period (doubles after each failed probe)',
  RATE_LIMIT_PER_MIN: 'sustained requests per minute (0: no limit)',
  RATE_LIMIT_BURST: 'requests let through at once',
  CONCURRENCY: 'calls in flight at once',
};
const KNOB_PREFIX: Record<UpstreamName, string> = { stripe: 'STRIPE', hubspot: 'HUBSPOT', gcal: 'GCAL', adplatform: 'ADPLATFORM', eventservice: 'EVENTS', inventory: 'INVENTORY' };

function meaningOf(name: string): { meaning: string; secret?: true } | undefined {
  if (MEANINGS[name]) return MEANINGS[name];
  for (const upstream of UPSTREAMS) {
    const prefix = `${KNOB_PREFIX[upstream]}_`;
    const knob = name.startsWith(prefix) ? KNOB_MEANINGS[name.slice(prefix.length)] : undefined;
    if (knob) return { meaning: `${upstream}: ${knob}` };
  }
  return undefined;
}

function written(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

/** Every variable of the schema with its default and meaning; throws naming any without a meaning. */
export function configVariables(): ConfigVariable[] {
  const read = listConfigVariables();
  const undocumented = read.filter((v) => !meaningOf(v.name)).map((v) => v.name);
  if (undocumented.length) throw new Error(`config variables without a meaning in src/configVariables.ts: ${undocumented.join(', ')}`);
  const unread = Object.keys(MEANINGS).filter((name) => !read.some((v) => v.name === name));
  if (unread.length) throw new Error(`src/configVariables.ts describes variables the schema no longer reads: ${unread.join(', ')}`);
  return read.map((v) => {
    const doc = meaningOf(v.name)!;
    return { name: v.name, default: doc.secret ? '' : written(v.fallback), meaning: doc.meaning, secret: Boolean(doc.secret) };
  });
}

/** The text of `.env.example`: each variable commented out at its default, so a copy changes nothing until edited. */
export function renderEnvExample(): string {
  const lines = [
    '# Every variable Buffalo reads, at its default (development defaults; see README "Configuration").',
    '# Generated from src/config.ts by `npm run env:example`: do not edit by hand.',
    '# Copy to .env and uncomment what you change. Secrets are left blank: never commit them.',
    '# Simulator knobs (SANDBOX_<NAME>_<KNOB>) are listed in the README.',
  ];
  const all = configVariables();
  const knobs = all.filter((v) => !MEANINGS[v.name]);
  const entry = (v: ConfigVariable) => ['', `# ${v.meaning}${v.secret ? ' (secret)' : ''}`, `# ${v.name}=${v.default}`];
  lines.push(...all.filter((v) => MEANINGS[v.name]).flatMap(entry));
  lines.push('', '', '# Resilience per upstream (<UPSTREAM>_<KNOB>; the event service is EVENTS_*)', ...knobs.flatMap(entry));
  return `${lines.join('\n')}\n`;
}
