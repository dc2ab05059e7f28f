/**
 * A small rolling window of recent order-API requests (per process) for /api/metrics: rate,
 * latency percentiles and status counts over the last minute. Prometheus histograms answer
 * the same question across processes (GET /metrics); this is the seed's quick JSON view.
 */

/** Summary of the window. */
export interface RequestWindowSnapshot {
  windowS: number;
  requests: number;
  ratePerS: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  byStatus: Record<string, number>;
}

/** A bounded ring of (time, latency, status) samples. */
export interface RequestWindow {
  record(latencyMs: number, status: number): void;
  snapshot(): RequestWindowSnapshot;
}

/** Create a window of `windowMs` (default 60 s) holding at most `capacity` samples. */
export function createRequestWindow(opts: { windowMs?: number; capacity?: number; now?: () => number } = {}): RequestWindow {
  const windowMs = opts.windowMs ?? 60_000;
  const capacity = opts.capacity ?? 50_000;
  const now = opts.now ?? Date.now;
  const at = new Float64Array(capacity);
  const latency = new Float64Array(capacity);
  const status = new Uint16Array(capacity);
  let next = 0;
  let size = 0;
  let firstAt = now();

  return {
    record(ms, code) {
      at[next] = now();
      latency[next] = ms;
      status[next] = code;
      next = (next + 1) % capacity;
      size = Math.min(size + 1, capacity);
    },
    snapshot() {
      const t = now();
      const from = t - windowMs;
      const lat: number[] = [];
      const byStatus: Record<string, number> = {};
      for (let i = 0; i < size; i++) {
        if ((at[i] as number) < from) continue;
        lat.push(latency[i] as number);
        const key = String(status[i]);
        byStatus[key] = (byStatus[key] ?? 0) + 1;
      }
      lat.sort((a, b) => a - b);
      // Until a full window has passed since start, the rate is over the time actually covered.
      if (size === 0) firstAt = t;
      const spanS = Math.max(1, Math.min(windowMs, t - firstAt)) / 1000;
      return {
        windowS: windowMs / 1000,
        requests: lat.length,
        ratePerS: round(lat.length / spanS),
        latencyMs: { p50: percentile(lat, 0.5), p95: percentile(lat, 0.95), p99: percentile(lat, 0.99), max: round(lat.at(-1) ?? 0) },
        byStatus,
      };
    },
  };
}

/** Nearest-rank percentile of sorted values (0 when empty). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return round(sorted[idx] as number);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
