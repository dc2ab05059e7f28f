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
 *   GET  /__sandbox/stats                   → fault counters + calls per route + max in flight
 *   POST /__sandbox/stats/reset             → zero stats, sync counts, phantoms and the list-call counter
 *   GET|POST /__sandbox/settings            → the AdPlatformKnobs (also accepted by POST /__sandbox/faults)
 */
import { z } from 'zod';
import {
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
import { ADPLATFORM_HOSTILE_FIELDS, adplatformHostileTarget } from './hostile.ts';
import { registerAdPlatformRoutes, type AdPlatformKnobs } from './routes.ts';
import { createAdPlatformState, type AdPlatformState, type AdPlatformTruth } from './state.ts';
import { createTokenStore } from './tokens.ts';

export type { AdPlatformTruth } from './state.ts';
export type { Campaign } from './data.ts';

/** Default knobs: 100 campaigns, 10 req/min (+1 overshoot), 1 h tokens; no rolled faults (the platform's are counted). */
export const ADPLATFORM_DEFAULT_FAULTS: Partial<Faults> = { records: 100, rateLimitPerMin: 10, errorRate: 0, timeoutRate: 0, tokenTtlS: 3600 };
/** Default simulator-specific knobs: the platform's own behaviour. */
export const ADPLATFORM_DEFAULT_KNOBS: AdPlatformKnobs = { syncMs: 2000, unavailableEvery: 5, timeoutEvery: 10, rateLimitOvershoot: 1, maxPageSize: 0, honestPaging: false };
/** Dev credentials used when neither options nor `SANDBOX_ADPLATFORM_EMAIL` / `_PASSWORD` set them. */
export const ADPLATFORM_DEV_CREDENTIALS = { email: 'dev@adplatform.sandbox', password: 'sandbox-dev-password' } as const;

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
  /** The current campaign store (rebuilt when `records`, `seed` or `poisonRate` change). */
  world(): AdPlatformState;
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
  });
  const tokens = createTokenStore(clock.now);

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
  const state: AdPlatformSimState = { world, credentials, knobs: () => knobs.get(), truth: () => {
    const t = world().truth(tokens.issued());
    return { ...t, hostile: hostileTruth(faults.get(), t.campaigns.map((c) => c.id), ADPLATFORM_HOSTILE_FIELDS) };
  } };

  let counters: FaultCounters = { requests: 0, errors: 0, timeouts: 0, rateLimited: 0 };
  const stats = statsView(() => counters, calls, () => ({ tokensIssued: tokens.issued() }));
  registerControlRoutes(app, { name: 'adplatform', faults, clock, counters: stats, truth: () => state.truth(), catchUp: () => ({}) });
  registerStatsReset(app, () => counters, calls, () => world().resetSyncCalls());
  app.post<{ Params: { id: string } }>('/__sandbox/campaigns/:id', async (req, reply) => {
    const parsed = editSchema.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: 'invalid_edit', message: z.prettifyError(parsed.error) });
    return world().edit(req.params.id, parsed.data) ?? reply.code(404).send({ error: 'not_found' });
  });
  app.delete<{ Params: { id: string } }>('/__sandbox/campaigns/:id', async (req, reply) => reply.code(world().remove(req.params.id) ? 204 : 404).send());
  app.post('/__sandbox/campaigns', async (req, reply) => {
    const parsed = editSchema.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: 'invalid_edit', message: z.prettifyError(parsed.error) });
    return reply.code(201).send(world().add(parsed.data));
  });
  installHostileContent(app, { faults, listKeys: ['data'], target: adplatformHostileTarget });
  registerAdPlatformRoutes(app, {
    state: world,
    tokens,
    faults,
    knobs,
    clock,
    credentials,
    ...(opts.timeoutHoldMs !== undefined ? { timeoutHoldMs: opts.timeoutHoldMs } : {}),
    onCounters: (c) => (counters = c),
  });

  return { app, state, faults, clock };
}

/** Build and start an ad-platform simulator on `port` (default 0 = ephemeral). */
export function startAdPlatformSimulator(opts: AdPlatformSimulatorOptions & { port?: number; host?: string } = {}): Promise<RunningSimulator<AdPlatformSimState>> {
  return startSimulator(() => createAdPlatformSimulator(opts), opts);
}
