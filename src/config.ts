/**
 * Configuration: the environment (and an optional `.env`) parsed once, at start-up, into one
 * typed, frozen object. Every other module receives the parts it needs from here; nothing
 * else reads `process.env`.
 */
import { z } from 'zod';
import { POLICY_DEFAULTS, POLICY_ENV, POLICY_PREFIX, type PolicySettings } from './policySettings.ts';
import { productionSecretProblems } from './productionSecrets.ts';

export type { PolicySettings } from './policySettings.ts';

/** Names of every upstream that goes through the resilience kit. */
export const UPSTREAMS = ['stripe', 'hubspot', 'gcal', 'adplatform', 'eventservice', 'inventory'] as const;
/** One upstream name. */
export type UpstreamName = (typeof UPSTREAMS)[number];

/** Pull sources that the ingestion pipeline syncs. */
export const SOURCES = ['stripe', 'hubspot', 'gcal', 'adplatform'] as const;
/** One pull source. */
export type SourceName = (typeof SOURCES)[number];

/** The resolved configuration. */
export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `auto`: readable lines on a terminal outside production, JSON otherwise (see src/log.ts). */
  logFormat: 'auto' | 'json' | 'pretty';
  dataDir: string;
  /** Unset: start the embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | undefined;
  /** Port of the embedded PostgreSQL. */
  embeddedPgPort: number;
  http: { host: string; port: number; bodyLimitBytes: number; publicUrl: string | undefined };
  auth: {
    apiKey: string | undefined;
    adminApiKey: string | undefined;
    jwtSecret: string | undefined;
    jwtJwksUrl: string | undefined;
    jwtIssuer: string | undefined;
    jwtAudience: string | undefined;
  };
  sandbox: { mode: 'auto' | 'on' | 'off'; port: number };
  stripe: { enabled: boolean; apiKey: string | undefined; webhookSecret: string | undefined; apiBase: string | undefined };
  hubspot: { enabled: boolean; accessToken: string | undefined; apiBase: string | undefined };
  gcal: { enabled: boolean; clientEmail: string | undefined; privateKey: string | undefined; calendarId: string; apiBase: string | undefined };
  adplatform: { enabled: boolean; apiUrl: string | undefined; email: string | undefined; password: string | undefined; clientId: string | undefined };
  eventService: { baseUrl: string | undefined };
  inventory: { baseUrl: string | undefined; failureRatePct: number };
  resilience: Record<UpstreamName, PolicySettings>;
  scheduler: { syncIntervalMs: number; dailySummaryHourUtc: number; notifyWebhookUrl: string | undefined; notifyWebhookSecret: string | undefined };
  /**
   * Sync runs in a worker process: `concurrency` runs at once (mostly waiting on upstream rate
   * limits, so cheap), and the TTL of a run's lease rows (a crashed run's streams are free again
   * this long after its last heartbeat).
   */
  sync: { concurrency: number; leaseTtlMs: number };
  orders: { fulfillmentMinDelayMs: number; fulfillmentMaxDelayMs: number };
  /**
   * Days each history table keeps its rows before the maintenance loop prunes them
   * (src/maintenance; docs/runbooks/retention.md says what each keeps regardless).
   */
  retention: { syncRunsDays: number; webhookEventsDays: number; schedulerTicksDays: number; replayedDeadLettersDays: number; processedEventsDays: number; reconciliationsDays: number; webhookDeliveriesDays: number; changesDays: number };
  /**
   * Outbound webhooks (docs/webhooks.md): whether receivers may be private, loopback or
   * link-local addresses (refused by default in production), the deadline of one delivery
   * attempt, and the attempts before a delivery goes to the dead letters.
   */
  webhooks: { allowPrivateUrls: boolean; timeoutMs: number; maxAttempts: number };
  /**
   * Keys that seal connection credentials at rest (src/connections/secretBox.ts), each 32 bytes
   * as base64url: `key` seals and opens, `retiredKeys` only open what older keys sealed.
   */
  secrets: { key: string | undefined; retiredKeys: string[] };
  /**
   * The OAuth apps Buffalo connects HubSpot portals and Google accounts with (`GET /connect/:provider`)
   * and refreshes their tokens with. Without a client id and secret that provider cannot be connected.
   */
  oauth: Record<OAuthProvider, OAuthClientConfig>;
}

/** The providers connected through an OAuth authorization-code flow. */
export const OAUTH_PROVIDERS = ['hubspot', 'gcal'] as const;
/** A provider connected through OAuth. */
export type OAuthProvider = (typeof OAUTH_PROVIDERS)[number];
/** One OAuth app: its client and the vendor's authorize and token endpoints. */
export interface OAuthClientConfig {
  clientId: string | undefined;
  clientSecret: string | undefined;
  authorizeUrl: string;
  tokenUrl: string;
}

/** Raised when the environment holds bad values; one line per problem, each naming the variable. */
export class ConfigError extends Error {
  /** One human line per bad variable. */
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, { message: 'expected a whole number' })
    .transform(Number)
    .pipe(z.number().min(min, { message: `expected a number ≥ ${min}` }).max(max, { message: `expected a number ≤ ${max}` }));
const num = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, { message: 'expected a number' })
    .transform(Number)
    .pipe(z.number().min(min, { message: `expected a number ≥ ${min}` }).max(max, { message: `expected a number ≤ ${max}` }));
const url = z.url({ message: 'expected an absolute URL such as http://host:port' });
const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, { message: 'expected a postgres:// or postgresql:// URL' });
// 32 bytes as 64 hex digits or base64/base64url (43–44 characters); normalized to base64url.
// The two spellings cannot be confused: 64 hex digits read as base64 would be 48 bytes.
const SECRET_KEY_HINT = 'expected 32 random bytes as base64 or hex (e.g. `openssl rand -base64 32`)';
const secretKey = z.string().transform((text, ctx) => {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : /^[A-Za-z0-9+/_-]{43}={0,1}$/.test(trimmed)
      ? Buffer.from(trimmed.replace(/=$/, ''), 'base64url')
      : undefined;
  if (bytes?.length !== 32) {
    ctx.addIssue({ code: 'custom', message: SECRET_KEY_HINT });
    return z.NEVER;
  }
  return bytes.toString('base64url');
});
const secretKeyList = z.string().transform((text, ctx) => {
  const keys: string[] = [];
  text.split(',').map((part) => part.trim()).filter(Boolean).forEach((part, i) => {
    const parsed = secretKey.safeParse(part);
    if (parsed.success) keys.push(parsed.data);
    else ctx.addIssue({ code: 'custom', message: `key ${i + 1}: ${SECRET_KEY_HINT}` });
  });
  return keys;
});
const secret = (minLength: number) => z.string().min(minLength, { message: `expected at least ${minLength} characters` });

/**
 * Parse the environment into a Config. Throws ConfigError listing every bad variable.
 * Pure: reads only `env`, so tests pass their own.
 */
export function resolveConfig(env: Env): Config {
  return resolveWith(env);
}

/** One variable the configuration reads, with its default as the parsed value. */
export interface ReadVariable {
  name: string;
  fallback: unknown;
}

/**
 * Every variable `resolveConfig` reads, in reading order, with its default for `env` (the
 * development defaults for `{}`): the list .env.example and the README table are checked against.
 */
export function listConfigVariables(env: Env = {}): ReadVariable[] {
  const seen: ReadVariable[] = [];
  resolveWith(env, (name, fallback) => seen.push({ name, fallback }));
  return seen;
}

function resolveWith(env: Env, onRead?: (name: string, fallback: unknown) => void): Config {
  const problems: string[] = [];
  function read<T>(name: string, schema: z.ZodType<T>, fallback: T): T {
    onRead?.(name, fallback);
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    problems.push(`${name}: ${parsed.error.issues[0]?.message ?? 'invalid value'} (got ${JSON.stringify(redactIfSecret(name, raw))})`);
    return fallback;
  }
  const opt = <T>(name: string, schema: z.ZodType<T>): T | undefined => read<T | undefined>(name, schema, undefined);

  const nodeEnv = read('NODE_ENV', z.enum(['development', 'production', 'test'], { message: 'expected development, production or test' }), 'development');
  const resilience = {} as Record<UpstreamName, PolicySettings>;
  for (const upstream of UPSTREAMS) {
    const base = { ...POLICY_DEFAULTS[upstream] };
    for (const key of Object.keys(POLICY_ENV) as (keyof PolicySettings)[]) {
      base[key] = read(`${POLICY_PREFIX[upstream]}_${POLICY_ENV[key]}`, int(0, 86_400_000), base[key]);
    }
    resilience[upstream] = Object.freeze(base);
  }

  const config: Config = {
    nodeEnv,
    logLevel: read('LOG_LEVEL', z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'expected one of fatal, error, warn, info, debug, trace, silent' }), nodeEnv === 'test' ? 'silent' : 'info'),
    logFormat: read('LOG_FORMAT', z.enum(['auto', 'json', 'pretty'], { message: 'expected auto, json or pretty' }), 'auto'),
    dataDir: read('BUFFALO_DATA_DIR', z.string().min(1), '.buffalo'),
    databaseUrl: opt('DATABASE_URL', postgresUrl),
    embeddedPgPort: read('BUFFALO_EMBEDDED_PG_PORT', int(1, 65535), 5433),
    http: {
      host: read('HOST', z.string().min(1), '127.0.0.1'),
      port: read('PORT', int(0, 65535), 3000),
      bodyLimitBytes: read('HTTP_BODY_LIMIT_BYTES', int(1024, 100 * 1024 * 1024), 1024 * 1024),
      publicUrl: opt('PUBLIC_URL', url),
    },
    auth: {
      apiKey: opt('API_KEY', secret(16)),
      adminApiKey: opt('ADMIN_API_KEY', secret(16)),
      jwtSecret: opt('JWT_SECRET', secret(32)),
      jwtJwksUrl: opt('JWT_JWKS_URL', url),
      jwtIssuer: opt('JWT_ISSUER', z.string().min(1)),
      jwtAudience: opt('JWT_AUDIENCE', z.string().min(1)),
    },
    sandbox: {
      // Production never falls back to simulators unless the operator asks for them.
      mode: read('SANDBOX', z.enum(['auto', 'on', 'off'], { message: 'expected auto, on or off' }), nodeEnv === 'production' ? 'off' : 'auto'),
      port: read('SANDBOX_PORT', int(0, 65535), 4100),
    },
    stripe: {
      enabled: read('STRIPE_ENABLED', bool, true),
      apiKey: opt('STRIPE_API_KEY', z.string().regex(/^(sk|rk)_/, { message: 'expected a secret key starting with sk_ or rk_' })),
      webhookSecret: opt('STRIPE_WEBHOOK_SECRET', z.string().regex(/^whsec_/, { message: 'expected a signing secret starting with whsec_' })),
      apiBase: opt('STRIPE_API_BASE', url),
    },
    hubspot: {
      enabled: read('HUBSPOT_ENABLED', bool, true),
      accessToken: opt('HUBSPOT_ACCESS_TOKEN', z.string().min(1)),
      apiBase: opt('HUBSPOT_API_BASE', url),
    },
    gcal: {
      enabled: read('GCAL_ENABLED', bool, true),
      clientEmail: opt('GOOGLE_CLIENT_EMAIL', z.email({ message: 'expected a service-account e-mail address' })),
      privateKey: opt('GOOGLE_PRIVATE_KEY', z.string().includes('PRIVATE KEY', { message: 'expected a PEM private key' })),
      calendarId: read('GOOGLE_CALENDAR_ID', z.string().min(1), 'primary'),
      apiBase: opt('GCAL_API_BASE', url),
    },
    adplatform: {
      enabled: read('ADPLATFORM_ENABLED', bool, true),
      apiUrl: opt('AD_PLATFORM_API_URL', url),
      email: opt('AD_PLATFORM_EMAIL', z.string().min(1)),
      password: opt('AD_PLATFORM_PASSWORD', z.string().min(1)),
      clientId: opt('AD_PLATFORM_CLIENT_ID', z.string().min(1)),
    },
    eventService: { baseUrl: opt('EVENT_API_BASE_URL', url) },
    inventory: {
      baseUrl: opt('INVENTORY_API_BASE_URL', url),
      failureRatePct: read('INVENTORY_FAILURE_RATE', num(0, 100), 1),
    },
    resilience,
    scheduler: {
      syncIntervalMs: read('SYNC_INTERVAL_MS', int(1000, 86_400_000), 15 * 60_000),
      dailySummaryHourUtc: read('DAILY_SUMMARY_HOUR_UTC', int(0, 23), 9),
      notifyWebhookUrl: opt('NOTIFY_WEBHOOK_URL', url),
      notifyWebhookSecret: opt('NOTIFY_WEBHOOK_SECRET', z.string().min(16, { message: 'at least 16 characters' })),
    },
    sync: {
      concurrency: read('SYNC_CONCURRENCY', int(1, 10_000), 64),
      leaseTtlMs: read('SYNC_LEASE_TTL_MS', int(1000, 3_600_000), 60_000),
    },
    orders: {
      fulfillmentMinDelayMs: read('FULFILLMENT_MIN_DELAY_MS', int(0, 3_600_000), 2000),
      fulfillmentMaxDelayMs: read('FULFILLMENT_MAX_DELAY_MS', int(0, 3_600_000), 8000),
    },
    retention: {
      syncRunsDays: read('SYNC_RUNS_RETENTION_DAYS', int(1, 36_500), 90),
      webhookEventsDays: read('WEBHOOK_EVENTS_RETENTION_DAYS', int(3, 36_500), 30),
      schedulerTicksDays: read('SCHEDULER_TICKS_RETENTION_DAYS', int(2, 36_500), 7),
      replayedDeadLettersDays: read('DEAD_LETTERS_RETENTION_DAYS', int(1, 36_500), 30),
      processedEventsDays: read('PROCESSED_EVENTS_RETENTION_DAYS', int(1, 36_500), 30),
      reconciliationsDays: read('RECONCILIATIONS_RETENTION_DAYS', int(1, 36_500), 90),
      webhookDeliveriesDays: read('WEBHOOK_DELIVERIES_RETENTION_DAYS', int(1, 36_500), 30),
      // Change-feed history: a cursor older than this is answered 410 and its consumer re-snapshots.
      changesDays: read('CHANGES_RETENTION_DAYS', int(1, 36_500), 7),
    },
    webhooks: {
      // A laptop points webhooks at localhost; a production server must not be steered at its own network.
      allowPrivateUrls: read('WEBHOOK_ALLOW_PRIVATE_URLS', bool, nodeEnv !== 'production'),
      timeoutMs: read('WEBHOOK_TIMEOUT_MS', int(100, 120_000), 10_000),
      maxAttempts: read('WEBHOOK_MAX_ATTEMPTS', int(1, 25), 8),
    },
    secrets: {
      key: opt('BUFFALO_SECRET_KEY', secretKey),
      retiredKeys: read('BUFFALO_SECRET_KEYS_RETIRED', secretKeyList, []),
    },
    oauth: {
      hubspot: {
        clientId: opt('HUBSPOT_OAUTH_CLIENT_ID', z.string().min(1)),
        clientSecret: opt('HUBSPOT_OAUTH_CLIENT_SECRET', z.string().min(1)),
        authorizeUrl: read('HUBSPOT_OAUTH_AUTHORIZE_URL', url, 'https://app.hubspot.com/oauth/authorize'),
        tokenUrl: read('HUBSPOT_OAUTH_TOKEN_URL', url, 'https://api.hubapi.com/oauth/v1/token'),
      },
      gcal: {
        clientId: opt('GOOGLE_OAUTH_CLIENT_ID', z.string().min(1)),
        clientSecret: opt('GOOGLE_OAUTH_CLIENT_SECRET', z.string().min(1)),
        authorizeUrl: read('GOOGLE_OAUTH_AUTHORIZE_URL', url, 'https://accounts.google.com/o/oauth2/v2/auth'),
        tokenUrl: read('GOOGLE_OAUTH_TOKEN_URL', url, 'https://oauth2.googleapis.com/token'),
      },
    },
  };

  if (config.orders.fulfillmentMinDelayMs > config.orders.fulfillmentMaxDelayMs) {
    problems.push('FULFILLMENT_MIN_DELAY_MS: expected a number ≤ FULFILLMENT_MAX_DELAY_MS');
  }
  if (nodeEnv === 'production') {
    for (const name of ['API_KEY', 'ADMIN_API_KEY'] as const) {
      if (!env[name]) problems.push(`${name}: required when NODE_ENV=production`);
    }
    if (!env.JWT_SECRET && !env.JWT_JWKS_URL) problems.push('JWT_SECRET: required (or JWT_JWKS_URL) when NODE_ENV=production');
    // A key generated on the fly would seal credentials that the next process cannot open.
    if (!env.BUFFALO_SECRET_KEY) problems.push(`BUFFALO_SECRET_KEY: required when NODE_ENV=production (seals connection credentials; ${SECRET_KEY_HINT})`);
    // Only values that parsed: a variable already refused keeps its one line.
    const { auth, secrets } = config;
    problems.push(...productionSecretProblems({ API_KEY: auth.apiKey, ADMIN_API_KEY: auth.adminApiKey, JWT_SECRET: auth.jwtSecret, BUFFALO_SECRET_KEY: secrets.key }));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD/;
function redactIfSecret(name: string, value: string): string {
  return SECRET_NAME.test(name) ? '[redacted]' : value;
}

/**
 * Where this Buffalo's API is reached, without a trailing slash: PUBLIC_URL, else HOST:PORT (a
 * wildcard host means this machine: 127.0.0.1, which a client reaches whatever `localhost`
 * resolves to first). OAuth redirect URIs, the banner and the CLI's API calls all build on it.
 */
export function publicBaseUrl(config: Config): string {
  if (config.http.publicUrl) return config.http.publicUrl.replace(/\/+$/, '');
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.http.port}`;
}

/** The API the CLI talks to: BUFFALO_URL (another machine's Buffalo), else this one's {@link publicBaseUrl}. */
export function cliApiBaseUrl(config: Config, env: Record<string, string | undefined>): string {
  return env.BUFFALO_URL ? env.BUFFALO_URL.replace(/\/+$/, '') : publicBaseUrl(config);
}

/** Freeze an object graph so a resolved config cannot drift at run time. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A copy of `config` with some sections replaced (used by the sandbox start wiring). */
export function withOverrides(config: Config, overrides: { [K in keyof Config]?: Partial<Config[K]> }): Config {
  const next = structuredClone(config) as Config;
  for (const [key, value] of Object.entries(overrides)) {
    const k = key as keyof Config;
    const current = next[k];
    (next as unknown as Record<string, unknown>)[k] =
      current && typeof current === 'object' ? { ...current, ...(value as object) } : value;
  }
  return deepFreeze(next);
}
