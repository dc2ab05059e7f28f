/**
 * Google Calendar v3 simulator: one calendar (`primary` or `calendarId`) whose events are
 * created, updated and cancelled over time; `events.list` with `pageToken`/`nextPageToken`,
 * `syncToken`/`nextSyncToken` (last page only), incremental results including minimal cancelled
 * events, and 410 `fullSyncRequired` when a sync token is expired (by age, by the
 * `POST /__sandbox/expire-sync-tokens` control, by `staleCursor`, or issued before a restart).
 * `events.patch` and `events.delete` are ./writes.ts.
 * Works with `@googleapis/calendar` (`calendar({ version: 'v3', auth, rootUrl: url + '/' })`).
 *
 * Extra endpoints: Google's OAuth endpoints (./oauth.ts: `/o/oauth2/v2/auth`, `POST /token` with
 * the authorization-code, refresh-token and service-account grants; expired tokens → 401
 * authError), `POST /__sandbox/expire-sync-tokens` → `{ epoch }`.
 *
 * Accounts: each service account (`gcalServiceAccountEmail(n)`, the JWT's issuer) or OAuth grant
 * acts as its own account with its own calendar and events (`SANDBOX_GCAL_ACCOUNTS`,
 * `/__sandbox/accounts`, common/accounts.ts); account n ≥ 2's calendar id is its email.
 */
import type { FastifyRequest } from 'fastify';
import {
  accountOf,
  accountSeed,
  accountsFromEnv,
  createAccountBook,
  createOAuthGrants,
  registerAccountRoutes,
  type AccountBook,
  createFaultWorld,
  createRng,
  createSimClock,
  createSimulatorApp,
  hostileTruth,
  installFaultHooks,
  installHostileContent,
  registerControlRoutes,
  startSimulator,
  type Faults,
  type RunningSimulator,
  type SimClock,
  type SimulatorHandle,
} from '../common/index.ts';
import { gcalServiceAccountEmail } from './accountCredentials.ts';
import { rateLimited, unavailable } from './errors.ts';
import { registerGoogleOAuth } from './oauth.ts';
import { GCAL_HOSTILE_FIELDS, gcalHostileTarget } from './hostile.ts';
import { registerGcalRoutes } from './routes.ts';
import { createGcalState, type GcalRates, type GcalState, type GcalTruth } from './state.ts';
import { createTokenCodec } from './tokens.ts';
import { registerGcalWrites } from './writes.ts';

export type { GcalTruth } from './state.ts';
export { gcalServiceAccountEmail, GOOGLE_OAUTH_CLIENT } from './accountCredentials.ts';
export { GOOGLE_CODE_TTL_MS, GOOGLE_DEFAULT_TOKEN_TTL_S, s256Challenge } from './oauth.ts';

/** Default knobs of the calendar simulator. */
export const GCAL_DEFAULT_FAULTS: Partial<Faults> = { records: 1000 };
/** Default sync-token lifetime (simulated): 7 days. */
export const GCAL_DEFAULT_SYNC_TOKEN_TTL_S = 7 * 86_400;

/** Options of `createGcalSimulator`. */
export interface GcalSimulatorOptions {
  faults?: Partial<Faults>;
  /** Env for `SANDBOX_GCAL_*` knobs and `SANDBOX_GCAL_SYNC_TOKEN_TTL_S`. */
  env?: Record<string, string | undefined>;
  clock?: SimClock;
  /** Calendar id served besides `primary`. Default `sandbox@buffalo.example`. */
  calendarId?: string;
  /** Sync tokens older than this (simulated seconds) get 410; 0 = never. */
  syncTokenTtlS?: number;
  /** Status of rate-limit answers: Google sends 403 or 429 `rateLimitExceeded`. Default 429. */
  rateLimitStatus?: 403 | 429;
  rates?: Partial<GcalRates>;
}

/** Live state of a calendar simulator. */
export interface GcalSimState {
  /** Account 1's current world (rebuilt when `records` or `seed` change). */
  world(): GcalState;
  /** Every account (`accounts.world(n)`). */
  accounts: AccountBook<GcalState>;
  calendarId: string;
  catchUp(): { created: number; updated: number; cancelled: number };
  /** Expire every sync token issued so far; returns the new epoch. */
  expireSyncTokens(): number;
  /** `hostile`: event id → the field and kind of hostile content served for it (`hostileRate`; live events only). */
  truth(): GcalTruth & { hostile: ReturnType<typeof hostileTruth> };
}

/** Build (not start) a calendar simulator. */
export function createGcalSimulator(opts: GcalSimulatorOptions = {}): SimulatorHandle<GcalSimState> {
  const env = opts.env ?? {};
  const clock = opts.clock ?? createSimClock();
  const calendarId = opts.calendarId ?? 'sandbox@buffalo.example';
  const ttlEnv = env.SANDBOX_GCAL_SYNC_TOKEN_TTL_S;
  const syncTokenTtlS = opts.syncTokenTtlS ?? (ttlEnv !== undefined && ttlEnv !== '' ? Number(ttlEnv) : GCAL_DEFAULT_SYNC_TOKEN_TTL_S);
  if (!Number.isFinite(syncTokenTtlS) || syncTokenTtlS < 0) throw new Error(`SANDBOX_GCAL_SYNC_TOKEN_TTL_S: expected a non-negative number (got ${JSON.stringify(ttlEnv)})`);
  let epoch = 1;
  const build = (seed: number, records: number, poisonRate: () => number) =>
    createGcalState({ seed, records, poisonRate, now: clock.now(), ...(opts.rates ? { rates: opts.rates } : {}) });
  const { faults, world } = createFaultWorld({
    name: 'gcal',
    defaults: GCAL_DEFAULT_FAULTS,
    env,
    overrides: opts.faults,
    build: (f, live) => build(f.seed, f.records, () => live.get().poisonRate),
    onRebuild: () => {
      epoch++; // old sync tokens describe another dataset
      accounts.forget();
    },
  });
  const accounts: AccountBook<GcalState> = createAccountBook({
    initial: accountsFromEnv('gcal', env),
    first: world,
    build: (n, records) => build(accountSeed(faults.get().seed, n), records ?? faults.get().records, () => faults.get().poisonRate),
  });
  const grants = createOAuthGrants(() => clock.now(), 'ya29.sim-', '1//sim-');
  const calendarOf = (n: number) => (n === 1 ? calendarId : gcalServiceAccountEmail(n));
  const worldOf = (req: FastifyRequest) => accounts.world(accountOf(req));
  const state: GcalSimState = {
    world,
    accounts,
    calendarId,
    catchUp: () => world().catchUp(clock.now()),
    expireSyncTokens: () => ++epoch,
    truth: () => {
      const t = world().truth(calendarId, epoch);
      return { ...t, hostile: hostileTruth(faults.get(), t.events.map((e) => e.id), GCAL_HOSTILE_FIELDS) };
    },
  };

  const app = createSimulatorApp();
  const counters = installFaultHooks(app, {
    faults,
    rng: createRng(faults.get().seed).fork('gcal-faults'),
    responders: { unavailable: (_req, reply) => unavailable(reply), rateLimited: (_req, reply) => rateLimited(reply, opts.rateLimitStatus ?? 429) },
  });
  registerControlRoutes(app, { name: 'gcal', faults, clock, counters, truth: () => state.truth(), catchUp: () => state.catchUp() });
  app.post('/__sandbox/expire-sync-tokens', async () => ({ epoch: state.expireSyncTokens() }));
  installHostileContent(app, { faults, listKeys: ['items'], target: gcalHostileTarget });
  registerAccountRoutes(app, {
    book: accounts,
    credentials: (n) => ({ calendarId: calendarOf(n), ...(n === 1 ? {} : { clientEmail: gcalServiceAccountEmail(n) }) }),
    truth: (n) => {
      accounts.world(n).catchUp(clock.now());
      return n === 1 ? state.truth() : accounts.world(n).truth(calendarOf(n), epoch);
    },
  });
  registerGoogleOAuth(app, { grants, accounts, faults, clock });
  registerGcalRoutes(app, {
    world: worldOf,
    catchUp: (req) => void worldOf(req).catchUp(clock.now()),
    faults,
    clock,
    calendarId: (req) => calendarOf(accountOf(req)),
    grants,
    codec: createTokenCodec(),
    epoch: () => epoch,
    syncTokenTtlMs: syncTokenTtlS * 1000,
  });
  registerGcalWrites(app, { world: worldOf, clock, calendarId: (req) => calendarOf(accountOf(req)) });
  return { app, state, faults, clock, tick: () => void state.catchUp(), tickMs: 1000 };
}

/** Build and start a calendar simulator on `port` (default 0 = ephemeral). */
export function startGcalSimulator(opts: GcalSimulatorOptions & { port?: number; host?: string } = {}): Promise<RunningSimulator<GcalSimState>> {
  return startSimulator(createGcalSimulator(opts), opts);
}
