/**
 * HubSpot CRM v3 simulator: deals and contacts with list (`after`, `archived`), get, update
 * (PATCH), archive (DELETE; ./writes.ts) and search
 * (`filterGroups` on hs_lastmodifieddate / lastmodifieddate, 10,000-result cap → 400), all
 * property values strings, HubSpot error bodies, ten-secondly 429s and `X-HubSpot-RateLimit-*`
 * headers on non-search answers (./rateHeaders.ts). Works with
 * `@hubspot/api-client` (`new Client({ accessToken, basePath: url })`).
 *
 * OAuth (./oauth.ts): `GET /oauth/authorize` and `POST /oauth/v1/token` as HubSpot's; issued
 * access tokens expire (401 EXPIRED_AUTHENTICATION). Static tokens never expire.
 *
 * Portals: each private-app token (`hubspotPortalToken(n)`) or OAuth grant acts as its own portal
 * with its own deals, contacts and rate-limit window (`SANDBOX_HUBSPOT_ACCOUNTS`,
 * `/__sandbox/accounts`, common/accounts.ts).
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
import { rateLimited, unavailable } from './errors.ts';
import { HUBSPOT_HOSTILE_FIELDS, hubspotHostileTarget } from './hostile.ts';
import { registerHubspotOAuth } from './oauth.ts';
import { HUBSPOT_DEV_ACCESS_TOKEN, hubspotPortalToken } from './portalCredentials.ts';
import { HUBSPOT_WINDOW_MS, installRateHeaders, OAUTH_TOKEN_PREFIX } from './rateHeaders.ts';
import { portalOfToken, registerHubspotRoutes } from './routes.ts';
import { registerHubspotWrites } from './writes.ts';
import { createHubspotState, type HubspotRates, type HubspotState, type HubspotTruth } from './state.ts';

export type { HubspotTruth } from './state.ts';
export { SEARCH_RESULT_CAP } from './search.ts';
export { HUBSPOT_DEV_ACCESS_TOKEN, HUBSPOT_OAUTH_CLIENT, hubspotPortalToken } from './portalCredentials.ts';
export { HUBSPOT_CODE_TTL_MS, HUBSPOT_DEFAULT_TOKEN_TTL_S } from './oauth.ts';

/** Default knobs of the HubSpot simulator (`records` deals and as many contacts). */
export const HUBSPOT_DEFAULT_FAULTS: Partial<Faults> = { records: 1500 };

/** Options of `createHubspotSimulator`. */
export interface HubspotSimulatorOptions {
  faults?: Partial<Faults>;
  env?: Record<string, string | undefined>;
  clock?: SimClock;
  /** Accept only this static token (plus issued OAuth tokens); default any bearer token. */
  accessToken?: string;
  /** Activity per simulated hour. */
  rates?: Partial<HubspotRates>;
}

/** Live state of a HubSpot simulator. */
export interface HubspotSimState {
  /** Portal 1's current world (rebuilt when `records` or `seed` change). */
  world(): HubspotState;
  /** Every portal (`accounts.world(n)`). */
  accounts: AccountBook<HubspotState>;
  catchUp(): { created: number; updated: number; archived: number };
  /** `hostile`: `deals:<id>` / `contacts:<id>` → the field and kind of hostile content served for it (`hostileRate`). */
  truth(): HubspotTruth & { hostile: ReturnType<typeof hostileTruth> };
}

/** Build (not start) a HubSpot simulator. */
export function createHubspotSimulator(opts: HubspotSimulatorOptions = {}): SimulatorHandle<HubspotSimState> {
  const clock = opts.clock ?? createSimClock();
  const build = (seed: number, records: number, poisonRate: () => number) =>
    createHubspotState({ seed, records, poisonRate, now: clock.now(), ...(opts.rates ? { rates: opts.rates } : {}) });
  const { faults, world } = createFaultWorld({
    name: 'hubspot',
    defaults: HUBSPOT_DEFAULT_FAULTS,
    env: opts.env,
    overrides: opts.faults,
    build: (f, live) => build(f.seed, f.records, () => live.get().poisonRate),
    onRebuild: () => accounts.forget(),
  });
  const accounts: AccountBook<HubspotState> = createAccountBook({
    initial: accountsFromEnv('hubspot', opts.env),
    first: world,
    build: (n, records) => build(accountSeed(faults.get().seed, n), records ?? faults.get().records, () => faults.get().poisonRate),
  });
  const grants = createOAuthGrants(() => clock.now(), OAUTH_TOKEN_PREFIX, 'sim-refresh-');
  const auth = { grants, accounts, ...(opts.accessToken ? { accessToken: opts.accessToken } : {}) };
  const worldOf = (req: FastifyRequest) => accounts.world(accountOf(req));
  const state: HubspotSimState = { world, accounts, catchUp: () => world().catchUp(clock.now()), truth: () => {
    const t = world().truth();
    const f = faults.get();
    return {
      ...t,
      hostile: {
        ...hostileTruth(f, t.deals.map((d) => `deals:${d.id}`), HUBSPOT_HOSTILE_FIELDS.deals),
        ...hostileTruth(f, t.contacts.map((c) => `contacts:${c.id}`), HUBSPOT_HOSTILE_FIELDS.contacts),
      },
    };
  } };

  const app = createSimulatorApp();
  const rateHeaders = installRateHeaders(app);
  const counters = installFaultHooks(app, {
    faults,
    rng: createRng(faults.get().seed).fork('hubspot-faults'),
    windowMs: HUBSPOT_WINDOW_MS,
    // One window per portal for its OAuth and derived tokens; other tokens keep a window each.
    clientKey: (req) => {
      const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const portal = token === undefined ? undefined : portalOfToken(token, auth);
      return portal !== undefined && (portal > 1 || grants.access(token!)) ? `portal:${portal}` : (req.headers.authorization ?? req.ip);
    },
    responders: {
      unavailable: (_req, reply) => unavailable(reply),
      rateLimited: (req, reply, info) => {
        rateHeaders.note(req, info);
        rateLimited(reply);
      },
      allowed: (req, _reply, info) => rateHeaders.note(req, info),
    },
  });
  registerControlRoutes(app, { name: 'hubspot', faults, clock, counters, truth: () => state.truth(), catchUp: () => state.catchUp() });
  installHostileContent(app, { faults, listKeys: ['results'], target: hubspotHostileTarget });
  registerAccountRoutes(app, {
    book: accounts,
    credentials: (n) => ({ accessToken: n === 1 ? (opts.accessToken ?? HUBSPOT_DEV_ACCESS_TOKEN) : hubspotPortalToken(n) }),
    truth: (n) => {
      accounts.world(n).catchUp(clock.now());
      return n === 1 ? state.truth() : accounts.world(n).truth();
    },
  });
  registerHubspotOAuth(app, { grants, accounts, faults, clock });
  registerHubspotRoutes(app, { world: worldOf, catchUp: (req) => void worldOf(req).catchUp(clock.now()), faults, clock, ...auth });
  registerHubspotWrites(app, { world: worldOf, clock });
  return { app, state, faults, clock, tick: () => void state.catchUp(), tickMs: 1000 };
}

/** Build and start a HubSpot simulator on `port` (default 0 = ephemeral). */
export function startHubspotSimulator(opts: HubspotSimulatorOptions & { port?: number; host?: string } = {}): Promise<RunningSimulator<HubspotSimState>> {
  return startSimulator(createHubspotSimulator(opts), opts);
}
