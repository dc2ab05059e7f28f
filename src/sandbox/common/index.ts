/**
 * Shared simulator plumbing (docs/upstreams.md). How a simulator module uses it:
 *
 * ```ts
 * export function createFooSimulator(opts: { faults?: Partial<Faults>; env?: Record<string, string | undefined>; clock?: SimClock } = {}) {
 *   const faults = createFaultState(resolveFaults('foo', { defaults: { records: 500 }, env: opts.env, overrides: opts.faults }));
 *   const clock = opts.clock ?? createSimClock();
 *   const app = createSimulatorApp();
 *   const counters = installFaultHooks(app, { faults, rng: createRng(faults.get().seed).fork('faults'), responders: {
 *     unavailable: (_req, reply) => void reply.code(503).send({ error: 'unavailable' }),
 *     rateLimited: (_req, reply, info) => void reply.code(429).header('Retry-After', Math.ceil(info.retryAfterMs / 1000)).send({ error: 'rate_limited' }),
 *   } });
 *   registerControlRoutes(app, { name: 'foo', faults, clock, counters, truth: () => state.truth(), catchUp: () => state.catchUp(clock.now()) });
 *   // …auth hook and vendor routes (register the fault hook BEFORE auth so faults hit unauthenticated calls too)
 *   return { app, state, faults, clock, tick: () => state.catchUp(clock.now()) } satisfies SimulatorHandle<State>;
 * }
 * export const startFooSimulator = (opts: Parameters<typeof createFooSimulator>[0] & { port?: number; host?: string } = {}) =>
 *   startSimulator(createFooSimulator(opts), opts);
 * ```
 *
 * - Knobs: `resolveFaults(name, …)` reads `SANDBOX_<NAME>_<KNOB>` (LATENCY_MS, ERROR_RATE, TIMEOUT_RATE,
 *   RATE_LIMIT_PER_MIN, TOKEN_TTL_S, POISON_RATE, HOSTILE_RATE, RECORDS, SEED, STALE_CURSOR); `POST /__sandbox/faults`
 *   takes the same knobs camelCase.
 * - Randomness: `createRng(seed)` (mulberry32) with `int/chance/pick/weighted/chars/fork`.
 * - Time: `SimClock` (`createSimClock()` = wall time + advances; `createManualClock(t)` for tests);
 *   `createActivityTicker(from, stepMs, step)` generates activity per fixed step of simulated time;
 *   `createTimeQueue()` holds scheduled future happenings (drained in time order).
 * - World: `createFaultWorld({ name, defaults, env, overrides, build })` resolves the knobs and
 *   rebuilds the seeded world when `records` / `seed` (or the knobs named in `rebuildOn`) change.
 * - Faults: `installFaultHooks` (latency → rate limit → scripted → timeout → 503), skipping `/__sandbox/*` and `/health`.
 * - Control: `registerControlRoutes` (/health, /__sandbox/faults, /__sandbox/truth, /__sandbox/advance, /__sandbox/stats).
 * - Serving: `createSimulatorApp()` (Fastify, logger off, JSON + form bodies), `startSimulator(handle, { port, host })`.
 * - Hostile content: `installHostileContent` (a preSerialization hook applying `hostileRate` to served records),
 *   `applyHostileTarget` (for records sent otherwise, e.g. webhooks), `hostileTruth` (what was served).
 * - Accounts: `createAccountBook` (lazy per-account worlds), `accountsFromEnv` (`SANDBOX_<NAME>_ACCOUNTS`),
 *   `bindAccount`/`accountOf` (the account a request acts as), `registerAccountRoutes` (`/__sandbox/accounts`);
 *   `createOAuthGrants` holds an authorization server's codes and tokens.
 * - Call accounting (`installCallStats`, `statsView`, `registerStatsReset`) and simulator-specific knobs
 *   (`installSimKnobs`: `SANDBOX_<NAME>_<KNOB>` + `POST /__sandbox/faults|settings`).
 */
export { BASE_FAULTS, FAULT_ENV_NAMES, FaultConfigError, createFaultState, faultsPatchSchema, resolveFaults } from './faults.ts';
export type { FaultState, Faults, FaultsPatch } from './faults.ts';
export { createFaultWorld } from './faultWorld.ts';
export type { FaultWorld, FaultWorldOptions } from './faultWorld.ts';
export { BASE62, createRng, hash32, mulberry32 } from './random.ts';
export type { Rng } from './random.ts';
export { createActivityTicker, createManualClock, createSimClock } from './clock.ts';
export type { ActivityTicker, SimClock } from './clock.ts';
export { installFaultHooks, isControlPath } from './inject.ts';
export type { FaultCounters, FaultHookOptions, FaultResponders, RateLimitInfo, ScriptedFault } from './inject.ts';
export { advanceMs, advanceSchema, registerControlRoutes } from './control.ts';
export type { ControlOptions } from './control.ts';
export { createSimulatorApp, startSimulator } from './server.ts';
export type { RunningSimulator, SimulatorHandle } from './server.ts';
export { createTimeQueue } from './schedule.ts';
export type { TimeQueue } from './schedule.ts';
export { installCallStats, registerStatsReset, routeKey, statsView } from './callStats.ts';
export type { CallStats, CallStatsHandle } from './callStats.ts';
export { installSimKnobs } from './simKnobs.ts';
export { applyHostility, applyHostileTarget, HOSTILE_KINDS, hostileTruth, hostilityOf, HUGE_STRING_CHARS, installHostileContent } from './hostile.ts';
export type { HostileKind, HostileTarget, Hostility } from './hostile.ts';
export type { SimKnobs, SimKnobsOptions } from './simKnobs.ts';
export { accountInCredential, accountOf, accountSeed, accountsFromEnv, bindAccount, createAccountBook, MAX_ACCOUNTS, registerAccountRoutes } from './accounts.ts';
export type { AccountBook, AccountBookOptions, AccountRouteOptions } from './accounts.ts';
export { createOAuthGrants, MAX_TOKENS } from './oauthGrants.ts';
export type { AccessGrant, CodeGrant, OAuthGrants, RefreshGrant } from './oauthGrants.ts';
