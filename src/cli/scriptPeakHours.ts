/**
 * `buffalo order peak-hours` (npm run script:peak-hours): fire N order requests with bounded
 * concurrency, each with its own Idempotency-Key and one of a set of customers, then print
 * throughput, latency percentiles, success rate, status counts and breaker transitions.
 * A fetch loop rather than autocannon: every request needs its own body and key, and we want
 * per-status latencies from the client's side.
 */
import { randomUUID } from 'node:crypto';
import { percentile, signDevToken } from '../orders/index.ts';

/** Options of {@link scriptPeakHours}. */
export interface PeakHoursOptions {
  baseUrl: string;
  jwtSecret: string;
  /** Total requests (default 5000). */
  requests?: number;
  /** Requests in flight at once (default 50). */
  concurrency?: number;
  /** Distinct customers (default 100). */
  customers?: number;
  /** Products prod_1..prod_N to pick from (default 50: the inventory simulator seeds prod_1..prod_50). */
  products?: number;
  out?: (line: string) => void;
}

/** What the run measured. */
export interface PeakHoursReport {
  requests: number;
  durationMs: number;
  ratePerS: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  successRate: number;
  byStatus: Record<string, number>;
  byError: Record<string, number>;
  breakerTransitions: Record<string, number>;
  breakerState: string | null;
}

interface Breaker {
  name: string;
  state: string;
  transitions: Record<string, number>;
}

/** Run the load and print its report. */
export async function scriptPeakHours(opts: PeakHoursOptions): Promise<PeakHoursReport> {
  const out = opts.out ?? ((line: string) => console.log(line));
  const total = opts.requests ?? 5000;
  const concurrency = Math.max(1, opts.concurrency ?? 50);
  const tokens = await Promise.all(Array.from({ length: opts.customers ?? 100 }, (_, i) => signDevToken(opts.jwtSecret, `peak-customer-${i + 1}`, 3600)));
  const products = opts.products ?? 50;
  const before = await inventoryBreaker(opts.baseUrl, tokens[0] as string);

  const latencies: number[] = [];
  const byStatus: Record<string, number> = {};
  const byError: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  out(`peak hours: ${total} requests, concurrency ${concurrency}, against ${opts.baseUrl}`);

  async function lane(): Promise<void> {
    for (let n = next++; n < total; n = next++) {
      const c = n % tokens.length;
      const body = {
        customerId: `peak-customer-${c + 1}`,
        items: Array.from({ length: 1 + (n % 3) }, (_, k) => ({
          productId: `prod_${1 + ((n * 7 + k * 13) % products)}`,
          quantity: 1 + ((n + k) % 3),
          price: `${1 + ((n * 31 + k) % 200)}.${String((n * 17 + k) % 100).padStart(2, '0')}`,
        })),
      };
      const t0 = performance.now();
      let status = 0;
      try {
        const res = await fetch(new URL('/api/orders', opts.baseUrl), {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens[c] as string}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: JSON.stringify(body),
        });
        status = res.status;
        const json = (await res.json()) as { error?: string };
        if (status !== 201) byError[json.error ?? 'unknown'] = (byError[json.error ?? 'unknown'] ?? 0) + 1;
      } catch (err) {
        byError[(err as Error).name] = (byError[(err as Error).name] ?? 0) + 1;
      }
      latencies.push(performance.now() - t0);
      byStatus[String(status)] = (byStatus[String(status)] ?? 0) + 1;
      if ((n + 1) % Math.max(1, Math.floor(total / 10)) === 0) out(`  ${n + 1}/${total}`);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));

  const durationMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const after = await inventoryBreaker(opts.baseUrl, tokens[0] as string);
  const breakerTransitions: Record<string, number> = {};
  for (const [to, count] of Object.entries(after?.transitions ?? {})) {
    const delta = count - (before?.transitions[to] ?? 0);
    if (delta > 0) breakerTransitions[to] = delta;
  }
  const report: PeakHoursReport = {
    requests: total,
    durationMs: Math.round(durationMs),
    ratePerS: Math.round((total / durationMs) * 1000 * 10) / 10,
    latencyMs: { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), p99: percentile(latencies, 0.99), max: Math.round(latencies.at(-1) ?? 0) },
    successRate: Math.round(((byStatus['201'] ?? 0) / total) * 10_000) / 100,
    byStatus,
    byError,
    breakerTransitions,
    breakerState: after?.state ?? null,
  };
  out('');
  out(`throughput     ${report.ratePerS} req/s (${total} requests in ${(durationMs / 1000).toFixed(1)} s)`);
  out(`latency        p50 ${report.latencyMs.p50} ms · p95 ${report.latencyMs.p95} ms · p99 ${report.latencyMs.p99} ms · max ${report.latencyMs.max} ms`);
  out(`success rate   ${report.successRate} % (201 Created)`);
  out(`status codes   ${Object.entries(byStatus).map(([s, n]) => `${s}: ${n}`).join(' · ')}`);
  if (Object.keys(byError).length) out(`errors         ${Object.entries(byError).map(([e, n]) => `${e}: ${n}`).join(' · ')}`);
  out(`breaker        inventory ${report.breakerState ?? 'unknown'}; transitions during run: ${Object.entries(breakerTransitions).map(([to, n]) => `→${to} ×${n}`).join(', ') || 'none'}`);
  return report;
}

// /api/metrics accepts an order token; the inventory breaker's state and transition counters.
async function inventoryBreaker(baseUrl: string, token: string): Promise<Breaker | undefined> {
  try {
    const res = await fetch(new URL('/api/metrics', baseUrl), { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) return undefined;
    const json = (await res.json()) as { breakers?: Breaker[] };
    return json.breakers?.find((b) => b.name === 'inventory');
  } catch {
    return undefined;
  }
}
