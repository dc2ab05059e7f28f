/**
 * Control endpoints every simulator exposes (never faulted, never authenticated):
 *   GET  /health                → { status: "ok", simulator }
 *   GET  /__sandbox/faults      → current knobs
 *   POST /__sandbox/faults      → patch knobs (camelCase, zod-validated, 400 on bad values) → current knobs
 *   GET  /__sandbox/truth       → the simulator's ground truth (vendor-specific)
 *   POST /__sandbox/advance     → { ms?, seconds?, minutes?, hours?, days? } make simulated time
 *                                 pass and generate the activity of that period → { now, ...vendor result }
 *   GET  /__sandbox/stats       → fault counters (requests, errors, timeouts, rateLimited)
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { faultsPatchSchema, type FaultState } from './faults.ts';
import type { FaultCounters } from './inject.ts';
import type { SimClock } from './clock.ts';

/** Body of `POST /__sandbox/advance`; the units add up. */
export const advanceSchema = z
  .object({
    ms: z.number().min(0),
    seconds: z.number().min(0),
    minutes: z.number().min(0),
    hours: z.number().min(0),
    days: z.number().min(0),
  })
  .partial()
  .strict();

/** Milliseconds described by an advance body. */
export function advanceMs(body: z.infer<typeof advanceSchema>): number {
  return Math.round(
    (body.ms ?? 0) + (body.seconds ?? 0) * 1000 + (body.minutes ?? 0) * 60_000 + (body.hours ?? 0) * 3_600_000 + (body.days ?? 0) * 86_400_000,
  );
}

/** What a simulator plugs into the control routes. */
export interface ControlOptions {
  /** Simulator name (reported by /health). */
  name: string;
  faults: FaultState;
  clock: SimClock;
  /** Ground truth for `GET /__sandbox/truth`. */
  truth: () => unknown;
  /** Generate activity up to `clock.now()` (called after the clock moves); its result is merged into the answer. */
  catchUp: () => Record<string, unknown> | void;
  counters?: FaultCounters;
}

/** Register the control routes on `app`. */
export function registerControlRoutes(app: FastifyInstance, opts: ControlOptions): void {
  app.get('/health', async () => ({ status: 'ok', simulator: opts.name }));
  app.get('/__sandbox/faults', async () => opts.faults.get());
  app.post('/__sandbox/faults', async (req, reply) => {
    const parsed = faultsPatchSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      return reply.code(400).send({ error: 'invalid_faults', message: z.prettifyError(parsed.error), issues: parsed.error.issues });
    }
    return opts.faults.set(parsed.data);
  });
  app.get('/__sandbox/truth', async () => {
    opts.catchUp();
    return opts.truth();
  });
  app.get('/__sandbox/stats', async () => opts.counters ?? {});
  app.post('/__sandbox/advance', async (req, reply) => {
    const parsed = advanceSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      return reply.code(400).send({ error: 'invalid_advance', message: z.prettifyError(parsed.error), issues: parsed.error.issues });
    }
    opts.clock.advance(advanceMs(parsed.data));
    const result = opts.catchUp() ?? {};
    return { now: new Date(opts.clock.now()).toISOString(), ...result };
  });
}
