/**
 * Ad-platform simulator, faithful by default to the platform it imitates (docs/upstreams.md):
 * `POST /auth/token` (Basic) → bearer tokens sharing one issue time, `GET /api/campaigns?page&limit`
 * numbered by page × limit (phantoms past the end, has_more as if limit were 10),
 * `POST /api/campaigns/:id/sync` (2 s, any id), 11 requests per sliding minute per `X-Client-Id`
 * (429 with `retry_after: 60` in the body, no header), every 5th list call a 503. The common
 * ERROR_RATE / TIMEOUT_RATE knobs add rolled faults on top (off by default).
 *
 * Control endpoints (besides the common ones in `src/sandbox/common`); the platform itself has no
 * endpoint to edit, add or remove a campaign, so these are the only way to change its data:
 *   POST /__sandbox/campaigns/:id {…fields} → the edited campaign (404 if unknown)
 *   DELETE /__sandbox/campaigns/:id         → 204, the campaign is gone (404 if unknown)
 *   POST /__sandbox/campaigns {…fields?}    → a new campaign appended to the list
 *   GET  /__sandbox/stats                   → fault counters + calls per route + max in flight + 429s per account (`rateLimitedByAccount`)
 *   POST /__sandbox/stats/reset             → zero stats, sync counts, phantoms and the list-call counter
 *   GET|POST /__sandbox/settings            → the AdPlatformKnobs (also accepted by POST /__sandbox/faults)
 *   /__sandbox/accounts (common/accounts.ts) → clients 2…n, each logging in with `adplatformAccountCredentials(n)`
 * The campaign controls act on client 1 unless given `?account=<n>`.
 *
 * Clients: each login is its own account with its own campaigns, tokens (and their shared issue
 * time), list-call fault counter and rate-limit windows; knobs are the simulator's, shared.
 */
import { z } from 'zod';
import {
  accountInCredential,
  accountSeed,
  accountsFromEnv,
  createAccountBook,
  registerAccountRoutes,
  type AccountBook,
  createFaultWorld,
  createSimClock,
  createSimulatorApp,
  installCallStats,
  installSimKnobs,
  hostileTruth,
  installHostileContent,
  registerControlRoutes,
  registerStatsReset,
  startSimulator,
  statsView,
  type FaultCounters,
  type Faults,
  type RunningSimulator,
  type SimClock,
  type SimulatorHandle,
} from '../common/index.ts';
import { ADPLATFORM_DEV_CLIENT_ID, ADPLATFORM_DEV_CREDENTIALS, ADPLATFORM_EMAIL_FORM, adplatformAccountCredentials } from './accountCredentials.ts';
import { ADPLATFORM_HOSTILE_FIELDS, adplatformHostileTarget } from './hostile.ts';
import { registerAdPlatformRoutes, type AdPlatformKnobs } from './routes.ts';
import { createAdPlatformState, type AdPlatformState, type AdPlatformTruth } from './state.ts';
import { createTokenStore, tokenPrefix, type TokenStore } from './tokens.ts';

export type { AdPlatformTruth } from './state.ts';
export type { Campaign } from './data.ts';
export { ADPLATFORM_DEV_CLIENT_ID, ADPLATFORM_DEV_CREDENTIALS, adplatformAccountCredentials } from './accountCredentials.ts';
export type { AdPlatformLogin } from './accountCredentials.ts';

/** Default knobs: 100 campaigns, 10 req/min (+1 overshoot), 1 h tokens; no rolled faults (the platform's are counted). */
export const ADPLATFORM_DEFAULT_FAULTS: Partial<Faults> = { records: 100, rateLimitPerMin: 10, errorRate: 0, timeoutRate: 0, tokenTtlS: 3600 };
/** Default simulator-specific knobs: the platform's own behaviour. */
export const ADPLATFORM_DEFAULT_KNOBS: AdPlatformKnobs = { syncMs: 2000, unavailableEvery: 5, timeoutEvery: 10, rateLimitOvershoot: 1, maxPageSize: 0, honestPaging: false };

/** Options of `createAdPlatformSimulator`. */
export interface AdPlatformSimulatorOptions {
  faults?: Partial<Faults>;
  knobs?: Partial<AdPlatformKnobs>;
  /** Env for `SANDBOX_ADPLATFORM_*` (knobs, `SYNC_MS`, `EMAIL`, `PASSWORD`). */
  env?: Record<string, string | undefined>;
  clock?: SimClock;
  credentials?: { email: string; password: string };
  /** How long a silently timed-out call is held before its socket is destroyed (default 60 s). */
  timeoutHoldMs?: number;
}

/** Live state of an ad-platform simulator. */
export interface AdPlatformSimState {
  /** Client 1's current campaign store (rebuilt when `records`, `seed` or `poisonRate` change). */
  world(): AdPlatformState;
  /** Every client's campaigns (`accounts.world(n)`). */
  accounts: AccountBook<AdPlatformState>;
  credentials: { email: string; password: string };
  knobs(): AdPlatformKnobs;
  /** `hostile`: campaign id → the field and kind of hostile content served for it (`hostileRate`). */
  truth(): AdPlatformTruth & { hostile: ReturnType<typeof hostileTruth> };
}

const count = z.number().int().min(0);
const knobSchema = z
  .object({ syncMs: count.max(600_000), unavailableEvery: count, timeoutEvery: count, rateLimitOvershoot: count, maxPageSize: count, honestPaging: z.boolean() })
  .partial()
  .strict();
const editSchema = z
  .object({
    name: z.string(),
    status: z.string(),
    budget: z.number(),
    impressions: z.number().int(),
    clicks: z.number().int(),
    conversions: z.number().int(),
    created_at: z.string(),
  })
  .partial()
  .strict();

/** Build (not start) an ad-platform simulator. */
export function createAdPlatformSimulator(opts: AdPlatformSimulatorOptions = {}): SimulatorHandle<AdPlatformSimState> {
  const env = opts.env ?? {};
  const clock = opts.clock ?? createSimClock();
  const credentials = opts.credentials ?? {
    email: env.SANDBOX_ADPLATFORM_EMAIL || ADPLATFORM_DEV_CREDENTIALS.email,
    password: env.SANDBOX_ADPLATFORM_PASSWORD || ADPLATFORM_DEV_CREDENTIALS.password,
  };
  const { faults, world } = createFaultWorld({
    name: 'adplatform',
    defaults: ADPLATFORM_DEFAULT_FAULTS,
    env,
    overrides: opts.faults,
    build: (f) => createAdPlatformState({ seed: f.seed, records: f.records, poisonRate: f.poisonRate, now: clock.now }),
    rebuildOn: ['records', 'seed', 'poisonRate'],
    onRebuild: () => accounts.forget(),
  });
  const accounts: AccountBook<AdPlatformState> = createAccountBook({
    initial: accountsFromEnv('adplatform', env),
    first: world,
    build: (n, records) => {
      const f = faults.get();
      return createAdPlatformState({ seed: accountSeed(f.seed, n), records: records ?? f.records, poisonRate: f.poisonRate, now: clock.now });
    },
  });
  // Token stores live as long as their client (a data-set rebuild does not log anyone out).
  const tokenStores = new Map<number, TokenStore>();
  const tokensOf = (n: number): TokenStore | undefined => {
    if (!accounts.has(n)) return undefined;
    let store = tokenStores.get(n);
    if (!store) tokenStores.set(n, (store = createTokenStore(clock.now, tokenPrefix(n))));
    return store;
  };
  const login = (email: string, password: string): number | undefined => {
    if (email === credentials.email && password === credentials.password) return 1;
    const n = accountInCredential(email, ADPLATFORM_EMAIL_FORM.prefix, ADPLATFORM_EMAIL_FORM.suffix, accounts);
    return n !== undefined && adplatformAccountCredentials(n).password === password ? n : undefined;
  };
  const truthOf = (n: number) => {
    const t = accounts.world(n).truth(tokenStores.get(n)?.issued() ?? 0);
    return { ...t, hostile: hostileTruth(faults.get(), t.campaigns.map((c) => c.id), ADPLATFORM_HOSTILE_FIELDS) };
  };
  const accountParam = (q: unknown) => Number((q as { account?: string } | undefined)?.account ?? 1);

  const app = createSimulatorApp();
  const calls = installCallStats(app);
  const knobs = installSimKnobs(app, {
    name: 'adplatform',
    defaults: ADPLATFORM_DEFAULT_KNOBS,
    envNames: {
      syncMs: 'SYNC_MS',
      unavailableEvery: 'UNAVAILABLE_EVERY',
      timeoutEvery: 'TIMEOUT_EVERY',
      rateLimitOvershoot: 'RATE_LIMIT_OVERSHOOT',
      maxPageSize: 'MAX_PAGE_SIZE',
      honestPaging: 'HONEST_PAGING',
    },
    schema: knobSchema,
    env,
    ...(opts.knobs ? { overrides: opts.knobs } : {}),
  });
  const state: AdPlatformSimState = { world, accounts, credentials, knobs: () => knobs.get(), truth: () => truthOf(1) };

  let counters: FaultCounters = { requests: 0, errors: 0, timeouts: 0, rateLimited: 0 };
  // 429s per client account: "each client was throttled at most once" is checkable per account.
  const rateLimitedByAccount = new Map<number, number>();
  const stats = statsView(() => counters, calls, () => ({
    tokensIssued: [...tokenStores.values()].reduce((sum, t) => sum + t.issued(), 0),
    rateLimitedByAccount: Object.fromEntries(rateLimitedByAccount),
  }));
  registerControlRoutes(app, { name: 'adplatform', faults, clock, counters: stats, truth: () => state.truth(), catchUp: () => ({}) });
  registerStatsReset(app, () => counters, calls, () => {
    rateLimitedByAccount.clear();
    accounts.eachBuilt((w) => w.resetSyncCalls());
  });
  registerAccountRoutes(app, {
    book: accounts,
    credentials: (n) => (n === 1 ? { ...credentials, clientId: env.SANDBOX_ADPLATFORM_CLIENT_ID || ADPLATFORM_DEV_CLIENT_ID } : { ...adplatformAccountCredentials(n) }),
    truth: truthOf,
  });
  app.post<{ Params: { id: string } }>('/__sandbox/campaigns/:id', async (req, reply) => {
    const parsed = editSchema.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: 'invalid_edit', message: z.prettifyError(parsed.error) });
    const n = accountParam(req.query);
    if (!accounts.has(n)) return reply.code(404).send({ error: 'no_such_account' });
    return accounts.world(n).edit(req.params.id, parsed.data) ?? reply.code(404).send({ error: 'not_found' });
  });
  app.delete<{ Params: { id: string } }>('/__sandbox/campaigns/:id', async (req, reply) => {
    const n = accountParam(req.query);
    return reply.code(accounts.has(n) && accounts.world(n).remove(req.params.id) ? 204 : 404).send();
  });
  app.post('/__sandbox/campaigns', async (req, reply) => {
    const parsed = editSchema.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: 'invalid_edit', message: z.prettifyError(parsed.error) });
    const n = accountParam(req.query);
    if (!accounts.has(n)) return reply.code(404).send({ error: 'no_such_account' });
    return reply.code(201).send(accounts.world(n).add(parsed.data));
  });
  installHostileContent(app, { faults, listKeys: ['data'], target: adplatformHostileTarget });
  registerAdPlatformRoutes(app, {
    state: (n) => accounts.world(n),
    tokens: tokensOf,
    login,
    faults,
    knobs,
    clock,
    ...(opts.timeoutHoldMs !== undefined ? { timeoutHoldMs: opts.timeoutHoldMs } : {}),
    onCounters: (c) => (counters = c),
    onRateLimited: (n) => rateLimitedByAccount.set(n, (rateLimitedByAccount.get(n) ?? 0) + 1),
  });

  return { app, state, faults, clock };
}

/** Build and start an ad-platform simulator on `port` (default 0 = ephemeral). */
export function startAdPlatformSimulator(opts: AdPlatformSimulatorOptions & { port?: number; host?: string } = {}): Promise<RunningSimulator<AdPlatformSimState>> {
  return startSimulator(() => createAdPlatformSimulator(opts), opts);
}
