/**
 * Fault knobs shared by every simulator (docs/upstreams.md): parsed from `SANDBOX_<NAME>_<KNOB>` env vars
 * over per-simulator defaults, and patched at runtime through `POST /__sandbox/faults`.
 */
import { z } from 'zod';

/** The fault knobs of one simulator. Rates are probabilities in 0–1. */
export interface Faults {
  /** Added delay before every API answer (ms). */
  latencyMs: number;
  /** Share of API calls answered 503 in the vendor's error format. */
  errorRate: number;
  /** Share of API calls never answered (socket held open, destroyed after ~60 s). */
  timeoutRate: number;
  /** Requests per minute per client before 429 (vendor format); 0 = unlimited. */
  rateLimitPerMin: number;
  /** Lifetime of issued access tokens in seconds; 0 = tokens never expire. */
  tokenTtlS: number;
  /** Share of generated records that are malformed ("poison"). */
  poisonRate: number;
  /** Share of served records carrying hostile content in a customer-typed field (see hostile.ts). */
  hostileRate: number;
  /** Size of the seeded dataset. */
  records: number;
  /** PRNG seed of the dataset and of fault rolls. */
  seed: number;
  /** When true every cursor (sync token, `after`, `starting_after`) is rejected as stale. */
  staleCursor: boolean;
}

/** Knob names in env spelling (`SANDBOX_<NAME>_<KNOB>`). */
export const FAULT_ENV_NAMES: Record<keyof Faults, string> = {
  latencyMs: 'LATENCY_MS',
  errorRate: 'ERROR_RATE',
  timeoutRate: 'TIMEOUT_RATE',
  rateLimitPerMin: 'RATE_LIMIT_PER_MIN',
  tokenTtlS: 'TOKEN_TTL_S',
  poisonRate: 'POISON_RATE',
  hostileRate: 'HOSTILE_RATE',
  records: 'RECORDS',
  seed: 'SEED',
  staleCursor: 'STALE_CURSOR',
};

/** Defaults every simulator starts from before its own overrides. */
export const BASE_FAULTS: Faults = {
  latencyMs: 0,
  errorRate: 0,
  timeoutRate: 0,
  rateLimitPerMin: 0,
  tokenTtlS: 0,
  poisonRate: 0,
  hostileRate: 0,
  records: 1000,
  seed: 42,
  staleCursor: false,
};

const rate = z.number().min(0).max(1);
const nonNegInt = z.number().int().min(0);

/** zod schema of a runtime fault patch (camelCase knobs; unknown keys rejected). */
export const faultsPatchSchema = z
  .object({
    latencyMs: nonNegInt.max(600_000),
    errorRate: rate,
    timeoutRate: rate,
    rateLimitPerMin: nonNegInt,
    tokenTtlS: nonNegInt,
    poisonRate: rate,
    hostileRate: rate,
    records: nonNegInt.max(5_000_000),
    seed: z.number().int(),
    staleCursor: z.boolean(),
  })
  .partial()
  .strict();

/** A validated partial set of knobs. */
export type FaultsPatch = z.infer<typeof faultsPatchSchema>;

/** Thrown for an env knob that does not parse; names the variable. */
export class FaultConfigError extends Error {
  override name = 'FaultConfigError';
}

/**
 * Resolve knobs: base defaults ← simulator defaults ← env (`SANDBOX_<NAME>_<KNOB>`) ← explicit
 * overrides. Throws FaultConfigError naming the bad variable.
 */
export function resolveFaults(
  name: string,
  opts: { defaults?: Partial<Faults>; env?: Record<string, string | undefined>; overrides?: Partial<Faults> } = {},
): Faults {
  const out: Faults = { ...BASE_FAULTS, ...opts.defaults };
  const env = opts.env ?? {};
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(FAULT_ENV_NAMES) as Array<keyof Faults>) {
    const varName = `SANDBOX_${name.toUpperCase()}_${FAULT_ENV_NAMES[key]}`;
    const raw = env[varName];
    if (raw === undefined || raw.trim() === '') continue;
    patch[key] = key === 'staleCursor' ? parseBool(varName, raw) : Number(raw);
  }
  const parsed = faultsPatchSchema.safeParse(patch);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    const varName = `SANDBOX_${name.toUpperCase()}_${FAULT_ENV_NAMES[key as keyof Faults] ?? key}`;
    throw new FaultConfigError(`${varName}: ${issue?.message ?? 'invalid value'} (got ${JSON.stringify(env[varName])})`);
  }
  return { ...out, ...parsed.data, ...opts.overrides };
}

function parseBool(varName: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new FaultConfigError(`${varName}: expected true or false (got ${JSON.stringify(raw)})`);
}

/** Mutable holder of a simulator's current knobs, shared by hooks and routes. */
export interface FaultState {
  /** The current knobs (a copy). */
  get(): Faults;
  /** Apply a patch (already validated) and return the resulting knobs. */
  set(patch: Partial<Faults>): Faults;
}

/** A FaultState starting at `initial`; `onChange` sees the previous and next knobs. */
export function createFaultState(initial: Faults, onChange?: (prev: Faults, next: Faults) => void): FaultState {
  let current = { ...initial };
  return {
    get: () => ({ ...current }),
    set(patch) {
      const prev = current;
      current = { ...current, ...patch };
      onChange?.(prev, current);
      return { ...current };
    },
  };
}
