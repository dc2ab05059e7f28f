/**
 * A simulator's fault knobs together with the seeded world they describe: knobs resolved from
 * defaults ← `SANDBOX_<NAME>_<KNOB>` env ← overrides, the world built from them, and rebuilt
 * whenever a runtime patch changes a knob that shapes the dataset (`records`, `seed`, …).
 */
import { createFaultState, resolveFaults, type Faults, type FaultState } from './faults.ts';

/** Options of `createFaultWorld`. */
export interface FaultWorldOptions<W> {
  /** Simulator name (env prefix `SANDBOX_<NAME>_`). */
  name: string;
  /** The simulator's defaults over `BASE_FAULTS`. */
  defaults: Partial<Faults>;
  env?: Record<string, string | undefined> | undefined;
  overrides?: Partial<Faults> | undefined;
  /** Build the world for knobs `f`; `faults` is the live state, for knobs read per call (e.g. `poisonRate`). */
  build: (f: Faults, faults: FaultState) => W;
  /** Knobs whose change rebuilds the world. Default `records` and `seed`. */
  rebuildOn?: ReadonlyArray<keyof Faults>;
  /** Called after each rebuild, e.g. to invalidate cursors issued against the old world. */
  onRebuild?: () => void;
}

/** Live knobs and the world they currently describe. */
export interface FaultWorld<W> {
  faults: FaultState;
  /** The current world (a new one after each rebuild). */
  world(): W;
}

/** Resolve the knobs (throws FaultConfigError naming a bad env var) and build the first world. */
export function createFaultWorld<W>(opts: FaultWorldOptions<W>): FaultWorld<W> {
  const rebuildOn = opts.rebuildOn ?? ['records', 'seed'];
  const faults = createFaultState(resolveFaults(opts.name, { defaults: opts.defaults, env: opts.env ?? {}, ...(opts.overrides ? { overrides: opts.overrides } : {}) }), (prev, next) => {
    if (rebuildOn.some((k) => prev[k] !== next[k])) {
      world = opts.build(next, faults);
      opts.onRebuild?.();
    }
  });
  let world = opts.build(faults.get(), faults);
  return { faults, world: () => world };
}
