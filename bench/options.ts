/** `buffalo bench` flags (strings from commander) → each scenario's options, with the defaults of the full run. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CampaignSyncOptions } from './scenarios/campaignSync.ts';
import type { ConnectionsOptions } from './scenarios/connections.ts';
import type { FanOutOptions } from './scenarios/fanOut.ts';
import type { IngestOptions } from './scenarios/ingest.ts';
import type { MetricsOptions } from './scenarios/metrics.ts';
import type { OrdersOptions } from './scenarios/orders.ts';
import type { StartUpOptions } from './scenarios/startUp.ts';

/** Flags as commander hands them over (all optional strings). */
export interface BenchFlags {
  records?: string;
  workers?: string;
  rounds?: string;
  sizes?: string;
  iterations?: string;
  baselineSeconds?: string;
  paymentConnections?: string;
  duration?: string;
  warmup?: string;
  connections?: string;
  scale?: string;
  clients?: string;
  out?: string;
  /** fsync, synchronous_commit and full_page_writes off (quick local runs; not what users get). */
  fast?: boolean | string;
}

/** Every scenario's options plus where results go. */
export interface BenchOptions {
  ingest: IngestOptions;
  metrics: MetricsOptions;
  orders: OrdersOptions;
  fanOut: FanOutOptions;
  campaignSync: CampaignSyncOptions;
  connections: ConnectionsOptions;
  startUp: StartUpOptions;
  out: string;
  /** Run the bench's server with durability off. */
  fast: boolean;
}

/** Default path of the results file (next to this module, whatever the working directory). */
export const DEFAULT_RESULTS_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json');

/** Parse "200000", "200k", "1M", "1.5m" into a whole number. */
export function parseCount(flag: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(raw.trim());
  if (!m) throw new Error(`--${flag}: expected a number such as 200000, 200k or 1M (got ${JSON.stringify(raw)})`);
  const mult = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2] as string] as number;
  const n = Math.round(Number(m[1]) * mult);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${flag}: expected a positive number (got ${JSON.stringify(raw)})`);
  return n;
}

/** A human label for a count (1000000 → "1M"). */
export function countLabel(n: number): string {
  if (n >= 1e6 && n % 1e5 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 100 === 0) return `${n / 1e3}k`;
  return String(n);
}

/** Resolve flags over the defaults; throws naming the bad flag. */
export function resolveBenchOptions(flags: BenchFlags): BenchOptions {
  const count = (flag: keyof BenchFlags, fallback: number) => (flags[flag] === undefined ? fallback : parseCount(flag, flags[flag] as string));
  const sizes = (flags.sizes ?? '1M,10M').split(',').filter(Boolean).map((s) => parseCount('sizes', s));
  if (sizes.length === 0) throw new Error('--sizes: give at least one size, e.g. 1M');
  return {
    ingest: { records: count('records', 200_000), workers: count('workers', 2), batchSize: 500, rounds: count('rounds', 2) },
    metrics: {
      sizes: [...new Set(sizes)].sort((a, b) => a - b),
      iterations: count('iterations', 1000),
      baselineSeconds: count('baselineSeconds', 15),
      paymentConnections: count('paymentConnections', 2),
    },
    orders: { durationS: count('duration', 10), connections: count('connections', 10), warmupS: count('warmup', 18) },
    fanOut: { iterations: 7, eventLatencyMs: 500 },
    campaignSync: { scale: count('scale', 50), campaigns: 100, timeoutS: 180 },
    connections: { connections: count('clients', 1000), workers: [1, 2], scale: count('scale', 1), timeoutS: 900 },
    startUp: {},
    out: path.resolve(flags.out ?? DEFAULT_RESULTS_FILE),
    fast: flags.fast === true || flags.fast === 'true',
  };
}
