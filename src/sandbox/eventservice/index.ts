/**
 * Event-service simulator (docs/upstreams.md#event-service): seeded users and events (user "1" holds exactly 50
 * events, for the fan-out bench), 500 ms event reads, the write cycle (5 OK, 10 × 503), and
 * Stripe-style Idempotency-Key on writes (same key + same body → the same event, no second one).
 *
 * Control endpoints (besides the common ones in `src/sandbox/common`):
 *   GET  /__sandbox/stats                   → fault counters + calls per route + max in flight
 *                                             (overall and per route) + `eventReads` per id
 *   POST /__sandbox/stats/reset             → zero the stats and read counts
 *   POST /__sandbox/write-cycle/reset       → the next write starts a successful run
 *   GET|POST /__sandbox/settings            → eventLatencyMs, writeOkCount, writeFailCount,
 *                                             writeCycle (also accepted by POST /__sandbox/faults)
 */
import { z } from 'zod';
import {
  createFaultWorld,
  createRng,
  createSimClock,
  createSimulatorApp,
  installCallStats,
  installFaultHooks,
  installSimKnobs,
  registerControlRoutes,
  registerStatsReset,
  startSimulator,
  statsView,
  type Faults,
  type RunningSimulator,
  type SimClock,
  type SimulatorHandle,
} from '../common/index.ts';
import { registerEventServiceRoutes, type EventServiceKnobs } from './routes.ts';
import { createEventServiceState, type EventServiceState, type EventServiceTruth } from './state.ts';

export { FANOUT_EVENT_COUNT, FANOUT_USER_ID } from './data.ts';
export type { EsEvent, EsUser } from './data.ts';
export type { EventServiceTruth } from './state.ts';
export type { EventServiceKnobs } from './routes.ts';

/** Default knobs: `records` is the number of users. No generic faults: the event service's faults are its own (the write cycle). */
export const EVENTSERVICE_DEFAULT_FAULTS: Partial<Faults> = { records: 20 };
/** Default simulator-specific knobs (the original service's values). */
export const EVENTSERVICE_DEFAULT_KNOBS: EventServiceKnobs = { eventLatencyMs: 500, writeLatencyMs: 0, writeOkCount: 5, writeFailCount: 10, writeCycle: true };

/** Options of `createEventServiceSimulator`. */
export interface EventServiceSimulatorOptions {
  faults?: Partial<Faults>;
  knobs?: Partial<EventServiceKnobs>;
  /** Env for `SANDBOX_EVENTSERVICE_*` (common knobs and EVENT_LATENCY_MS, WRITE_LATENCY_MS, WRITE_OK_COUNT, WRITE_FAIL_COUNT, WRITE_CYCLE). */
  env?: Record<string, string | undefined>;
  clock?: SimClock;
}

/** Live state of an event-service simulator. */
export interface EventServiceSimState {
  /** The current world (rebuilt when `records` or `seed` change). */
  world(): EventServiceState;
  knobs(): EventServiceKnobs;
  truth(): EventServiceTruth;
}

const knobSchema = z
  .object({
    eventLatencyMs: z.number().int().min(0).max(600_000),
    writeLatencyMs: z.number().int().min(0).max(600_000),
    writeOkCount: z.number().int().min(1),
    writeFailCount: z.number().int().min(0),
    writeCycle: z.boolean(),
  })
  .partial()
  .strict();

/** Build (not start) an event-service simulator. */
export function createEventServiceSimulator(opts: EventServiceSimulatorOptions = {}): SimulatorHandle<EventServiceSimState> {
  const env = opts.env ?? {};
  const clock = opts.clock ?? createSimClock();
  const { faults, world } = createFaultWorld({
    name: 'eventservice',
    defaults: EVENTSERVICE_DEFAULT_FAULTS,
    env,
    overrides: opts.faults,
    build: (f) => createEventServiceState({ seed: f.seed, userCount: f.records, now: () => clock.now() }),
  });

  const app = createSimulatorApp();
  const calls = installCallStats(app);
  const counters = installFaultHooks(app, {
    faults,
    rng: createRng(faults.get().seed).fork('eventservice-faults'),
    clientKey: (req) => req.ip,
    responders: {
      unavailable: (_req, reply) => void reply.code(503).send({ success: false, error: 'Service temporarily unavailable', message: 'Event API is experiencing high load' }),
      rateLimited: (_req, reply, info) =>
        void reply.code(429).header('Retry-After', String(Math.ceil(info.retryAfterMs / 1000))).send({ success: false, error: 'Too many requests' }),
    },
  });
  const knobs = installSimKnobs(app, {
    name: 'eventservice',
    defaults: EVENTSERVICE_DEFAULT_KNOBS,
    envNames: { eventLatencyMs: 'EVENT_LATENCY_MS', writeLatencyMs: 'WRITE_LATENCY_MS', writeOkCount: 'WRITE_OK_COUNT', writeFailCount: 'WRITE_FAIL_COUNT', writeCycle: 'WRITE_CYCLE' },
    schema: knobSchema,
    env,
    ...(opts.knobs ? { overrides: opts.knobs } : {}),
  });
  const state: EventServiceSimState = { world, knobs: () => knobs.get(), truth: () => world().truth() };

  const stats = statsView(() => counters, calls, () => ({ eventReads: world().reads() }));
  registerControlRoutes(app, { name: 'eventservice', faults, clock, counters: stats, truth: () => state.truth(), catchUp: () => ({}) });
  registerStatsReset(app, () => counters, calls, () => world().resetReads());
  app.post('/__sandbox/write-cycle/reset', async () => {
    world().resetWriteCycle();
    return { reset: true };
  });
  registerEventServiceRoutes(app, { state: world, knobs });

  return { app, state, faults, clock };
}

/** Build and start an event-service simulator on `port` (default 0 = ephemeral). */
export function startEventServiceSimulator(opts: EventServiceSimulatorOptions & { port?: number; host?: string } = {}): Promise<RunningSimulator<EventServiceSimState>> {
  return startSimulator(() => createEventServiceSimulator(opts), opts);
}
