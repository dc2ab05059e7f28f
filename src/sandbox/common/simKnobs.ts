/**
 * Knobs particular to one simulator (the ad platform's sync duration, the event service's write
 * cycle, …), handled like the common fault knobs: read from `SANDBOX_<NAME>_<KNOB>` env vars,
 * changed at runtime through `POST /__sandbox/faults` (alongside the common knobs) or
 * `POST /__sandbox/settings`, shown by `GET /__sandbox/settings`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FaultConfigError } from './faults.ts';

/** Mutable holder of a simulator's own knobs. */
export interface SimKnobs<T> {
  get(): T;
  set(patch: Partial<T>): T;
}

/** Options of `installSimKnobs`. */
export interface SimKnobsOptions<T extends Record<string, number | boolean>> {
  /** Simulator name (env prefix `SANDBOX_<NAME>_`). */
  name: string;
  defaults: T;
  /** Env suffix per knob, e.g. `{ syncMs: 'SYNC_MS' }`. */
  envNames: { [K in keyof T]: string };
  /** Validation of a patch (partial, strict), e.g. `z.object({ syncMs: z.number().int().min(0) }).partial().strict()`. */
  schema: z.ZodType<Partial<T>>;
  env?: Record<string, string | undefined>;
  overrides?: Partial<T>;
}

/** Resolve the knobs (defaults ← env ← overrides) and register their control routes on `app`. */
export function installSimKnobs<T extends Record<string, number | boolean>>(app: FastifyInstance, opts: SimKnobsOptions<T>): SimKnobs<T> {
  let current: T = { ...opts.defaults, ...fromEnv(opts), ...opts.overrides };
  const knobs: SimKnobs<T> = {
    get: () => ({ ...current }),
    set(patch) {
      current = { ...current, ...patch };
      return { ...current };
    },
  };
  const keys = Object.keys(opts.defaults);

  // The common `POST /__sandbox/faults` rejects unknown keys, so this simulator's own keys are
  // taken out of the body (validated and applied) before its handler runs: one control endpoint
  // for every knob.
  app.addHook('preHandler', async (req, reply) => {
    if (req.method !== 'POST' || req.routeOptions.url !== '/__sandbox/faults') return;
    const body = req.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return;
    const own: Record<string, unknown> = {};
    for (const k of keys) {
      if (k in body) {
        own[k] = (body as Record<string, unknown>)[k];
        delete (body as Record<string, unknown>)[k];
      }
    }
    if (Object.keys(own).length === 0) return;
    const parsed = opts.schema.safeParse(own);
    if (!parsed.success) return reply.code(400).send({ error: 'invalid_faults', message: z.prettifyError(parsed.error), issues: parsed.error.issues });
    knobs.set(parsed.data);
  });
  app.get('/__sandbox/settings', async () => knobs.get());
  app.post('/__sandbox/settings', async (req, reply) => {
    const parsed = opts.schema.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: 'invalid_settings', message: z.prettifyError(parsed.error), issues: parsed.error.issues });
    return knobs.set(parsed.data);
  });
  return knobs;
}

function fromEnv<T extends Record<string, number | boolean>>(opts: SimKnobsOptions<T>): Partial<T> {
  const env = opts.env ?? {};
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(opts.envNames) as Array<keyof T & string>) {
    const varName = `SANDBOX_${opts.name.toUpperCase()}_${opts.envNames[key]}`;
    const v = env[varName]?.trim();
    if (v === undefined || v === '') continue;
    if (typeof opts.defaults[key] === 'boolean') {
      if (!['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'].includes(v.toLowerCase())) throw new FaultConfigError(`${varName}: expected true or false (got ${JSON.stringify(v)})`);
      raw[key] = ['1', 'true', 'yes', 'on'].includes(v.toLowerCase());
    } else {
      raw[key] = Number(v);
    }
    const one = opts.schema.safeParse({ [key]: raw[key] });
    if (!one.success) throw new FaultConfigError(`${varName}: ${one.error.issues[0]?.message ?? 'invalid value'} (got ${JSON.stringify(v)})`);
  }
  const parsed = opts.schema.parse(raw);
  return parsed;
}
