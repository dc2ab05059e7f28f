/** Timing helpers: percentiles, closed-loop load for a fixed time, and building judged result rows. */
import type { Baseline, BenchResult, Target } from './types.ts';

/** Nearest-rank percentile (p in 0–100) of unsorted samples; NaN when empty. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Milliseconds `fn` took, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const t0 = performance.now();
  const result = await fn();
  return { ms: performance.now() - t0, result };
}

/** What a closed-loop run measured. */
export interface LoadResult {
  completed: number;
  errors: number;
  durationS: number;
  ratePerS: number;
  latenciesMs: number[];
  firstError?: string;
}

/**
 * Run `op` from `concurrency` lanes back to back for `durationMs`: the same shape of load
 * autocannon puts on the API, for the raw baselines (warm up with {@link warmUntilSteady}).
 */
export async function closedLoop(op: (n: number) => Promise<void>, opts: { concurrency: number; durationMs: number }): Promise<LoadResult> {
  let n = 0;
  const latencies: number[] = [];
  let completed = 0;
  let errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const deadline = t0 + opts.durationMs;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (performance.now() < deadline) {
        const start = performance.now();
        try {
          await op(n++);
          completed++;
          latencies.push(performance.now() - start);
        } catch (err) {
          errors++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  const durationS = (performance.now() - t0) / 1000;
  return { completed, errors, durationS, ratePerS: completed / durationS, latenciesMs: latencies, ...(firstError ? { firstError } : {}) };
}

/** How a warm-up went: seconds spent and the rate of each chunk. */
export interface WarmUp {
  seconds: number;
  chunkRates: number[];
}

/**
 * Warm a system up until its throughput stops climbing: run `chunk(seconds)` (which returns the
 * rate it reached) repeatedly for at least `minS` and at most `maxS`, and stop once two chunks in
 * a row were no more than `tolerance` faster than the best chunk before them. A JIT-compiled
 * server keeps getting faster for a while under load (the orders API took 15–20 s on 2 cores);
 * measuring before that plateau measures the compiler, not the steady state.
 */
export async function warmUntilSteady(chunk: (seconds: number) => Promise<number>, opts: { minS: number; maxS: number; chunkS: number; tolerance?: number }): Promise<WarmUp> {
  const tolerance = opts.tolerance ?? 0.05;
  const chunkRates: number[] = [];
  let seconds = 0;
  let flat = 0;
  while (seconds < opts.maxS) {
    const rate = await chunk(opts.chunkS);
    seconds += opts.chunkS;
    const best = Math.max(...chunkRates);
    flat = chunkRates.length > 0 && rate <= best * (1 + tolerance) ? flat + 1 : 0;
    chunkRates.push(round(rate, 1));
    if (seconds >= opts.minS && flat >= 2) break;
  }
  return { seconds, chunkRates };
}

/** A result row judged against its target. */
export function result(row: { scenario: string; metric: string; value: number; unit: string; baseline?: Baseline | null; target?: Target | null; params?: Record<string, unknown> }): BenchResult {
  const baseline = row.baseline ?? null;
  const ratio = baseline && baseline.value > 0 ? Number((row.value / baseline.value).toPrecision(3)) : null;
  const target = row.target ?? null;
  let pass: boolean | null = null;
  if (target) {
    const subject = target.on === 'ratio' ? ratio : row.value;
    pass = subject === null || !Number.isFinite(subject) ? false : target.op === '<=' ? subject <= target.limit : subject >= target.limit;
  }
  return { scenario: row.scenario, metric: row.metric, value: row.value, unit: row.unit, baseline, ratio, target, pass, params: row.params ?? {} };
}

/** Round to `digits` decimals (figures are printed and stored rounded; samples are not). */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Targets used by several scenarios. */
export const targets = {
  ratioAtLeast: (limit: number, of: string): Target => ({ on: 'ratio', op: '>=', limit, text: `≥ ${limit} × ${of}` }),
  ratioAtMost: (limit: number, of: string): Target => ({ on: 'ratio', op: '<=', limit, text: `≤ ${limit} × ${of}` }),
  atMost: (limit: number, unit: string): Target => ({ on: 'value', op: '<=', limit, text: `≤ ${limit} ${unit}` }),
};
