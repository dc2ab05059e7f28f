/**
 * HubSpot CRM v3 simulator: deals and contacts with list (`after`, `archived`), get, update
 * (PATCH), archive (DELETE; ./writes.ts) and search
 * (`filterGroups` on hs_lastmodifieddate / lastmodifieddate, 10,000-result cap → 400), all
 * property values strings, HubSpot error bodies, ten-secondly 429s and `X-HubSpot-RateLimit-*`
 * headers on non-search answers (./rateHeaders.ts). Works with
 * `@hubspot/api-client` (`new Client({ accessToken, basePath: url })`).
 *
 * Extra endpoint: `POST /oauth/v1/token` (form; grant_type refresh_token | authorization_code |
 * client_credentials) issues access tokens that expire after `tokenTtlS` simulated seconds
 * (401 EXPIRED_AUTHENTICATION). Static tokens never expire.
 */
import {
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
import { HUBSPOT_WINDOW_MS, installRateHeaders } from './rateHeaders.ts';
import { registerHubspotRoutes } from './routes.ts';
import { registerHubspotWrites } from './writes.ts';
import { createHubspotState, type HubspotRates, type HubspotState, type HubspotTruth } from './state.ts';

export type { HubspotTruth } from './state.ts';
export { SEARCH_RESULT_CAP } from './search.ts';

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
  /** The current world (rebuilt when `records` or `seed` change). */
  world(): HubspotState;
  catchUp(): { created: number; updated: number; archived: number };
  /** `hostile`: `deals:<id>` / `contacts:<id>` → the field and kind of hostile content served for it (`hostileRate`). */
  truth(): HubspotTruth & { hostile: ReturnType<typeof hostileTruth> };
}

/** Build (not start) a HubSpot simulator. */
export function createHubspotSimulator(opts: HubspotSimulatorOptions = {}): SimulatorHandle<HubspotSimState> {
  const clock = opts.clock ?? createSimClock();
  const { faults, world } = createFaultWorld({
    name: 'hubspot',
    defaults: HUBSPOT_DEFAULT_FAULTS,
    env: opts.env,
    overrides: opts.faults,
    build: (f, live) =>
      createHubspotState({ seed: f.seed, records: f.records, poisonRate: () => live.get().poisonRate, now: clock.now(), ...(opts.rates ? { rates: opts.rates } : {}) }),
  });
  const state: HubspotSimState = { world, catchUp: () => world().catchUp(clock.now()), truth: () => {
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
  registerHubspotRoutes(app, { world, catchUp: () => void state.catchUp(), faults, clock, ...(opts.accessToken ? { accessToken: opts.accessToken } : {}) });
  registerHubspotWrites(app, { world, clock });
  return { app, state, faults, clock, tick: () => void state.catchUp(), tickMs: 1000 };
}

/** Build and start a HubSpot simulator on `port` (default 0 = ephemeral). */
export function startHubspotSimulator(opts: HubspotSimulatorOptions & { port?: number; host?: string } = {}): Promise<RunningSimulator<HubspotSimState>> {
  return startSimulator(createHubspotSimulator(opts), opts);
}
