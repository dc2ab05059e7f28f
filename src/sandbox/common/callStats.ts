/**
 * Call accounting for simulators whose tests assert on how they were called (parallelism,
 * de-duplication, call counts) rather than on wall-clock times: calls per route, calls in
 * flight and the maximum ever in flight, overall and per route. Served by `GET /__sandbox/stats`
 * (merged with the fault counters) and cleared by `POST /__sandbox/stats/reset`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isControlPath, type FaultCounters } from './inject.ts';

/** Live call counters of one simulator. */
export interface CallStats {
  /** Calls received per route, keyed "METHOD /route/:param". */
  calls: Record<string, number>;
  inFlight: number;
  maxInFlight: number;
  inFlightByRoute: Record<string, number>;
  maxInFlightByRoute: Record<string, number>;
}

/** Handle returned by `installCallStats`. */
export interface CallStatsHandle {
  /** A snapshot of the counters. */
  snapshot(): CallStats;
  /** Zero every counter (calls still in flight keep being tracked). */
  reset(): void;
}

/** The key a request is counted under ("GET /getEventById/:id"). */
export function routeKey(req: FastifyRequest): string {
  return `${req.method} ${req.routeOptions.url ?? '(unmatched)'}`;
}

/**
 * Count every non-control call on `app`. Install it before the fault hooks so faulted calls
 * (503s, held "timeouts") are counted and tracked in flight too.
 */
export function installCallStats(app: FastifyInstance): CallStatsHandle {
  let s: CallStats = empty();
  app.addHook('onRequest', async (req, reply) => {
    if (isControlPath(req.url)) return;
    const key = routeKey(req);
    const stats = s;
    stats.calls[key] = (stats.calls[key] ?? 0) + 1;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    const routeNow = (stats.inFlightByRoute[key] ?? 0) + 1;
    stats.inFlightByRoute[key] = routeNow;
    stats.maxInFlightByRoute[key] = Math.max(stats.maxInFlightByRoute[key] ?? 0, routeNow);
    // 'close' fires for answered, aborted and held-then-destroyed calls alike.
    reply.raw.once('close', () => {
      stats.inFlight--;
      stats.inFlightByRoute[key] = (stats.inFlightByRoute[key] ?? 1) - 1;
    });
  });
  return {
    snapshot: () => structuredClone(s),
    reset() {
      const next = empty();
      // Calls still in flight decrement the old object; carry their count so the new one stays right.
      next.inFlight = s.inFlight;
      next.inFlightByRoute = { ...s.inFlightByRoute };
      s = next;
    },
  };
}

function empty(): CallStats {
  return { calls: {}, inFlight: 0, maxInFlight: 0, inFlightByRoute: {}, maxInFlightByRoute: {} };
}

/**
 * A stats object for `registerControlRoutes({ counters })`: it reads the live fault counters
 * (through a getter, since hooks installed in a plugin context only exist once it loads) and
 * serializes (via toJSON) as fault counters + call stats + `extra()`.
 */
export function statsView(counters: () => FaultCounters, calls: CallStatsHandle, extra: () => Record<string, unknown> = () => ({})): FaultCounters {
  return {
    get requests() {
      return counters().requests;
    },
    get errors() {
      return counters().errors;
    },
    get timeouts() {
      return counters().timeouts;
    },
    get rateLimited() {
      return counters().rateLimited;
    },
    toJSON: () => ({ ...counters(), ...calls.snapshot(), ...extra() }),
  } as FaultCounters;
}

/** Register `POST /__sandbox/stats/reset`: zero the fault counters, call stats and anything `also` clears. */
export function registerStatsReset(app: FastifyInstance, faultCounters: () => FaultCounters, calls: CallStatsHandle, also: () => void = () => {}): void {
  app.post('/__sandbox/stats/reset', async () => {
    const counters = faultCounters();
    counters.requests = 0;
    counters.errors = 0;
    counters.timeouts = 0;
    counters.rateLimited = 0;
    calls.reset();
    also();
    return { reset: true };
  });
}
