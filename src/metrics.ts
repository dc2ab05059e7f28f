/**
 * Prometheus metrics (prom-client). Modules declare their metrics through these helpers so
 * that building the app twice in one process (tests) reuses the registered metric instead of
 * throwing "already registered".
 */
import client from 'prom-client';

/** The one registry served at GET /metrics. */
export const registry = client.register;

/** A counter, created once per process. */
export function counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): client.Counter<L> {
  return (registry.getSingleMetric(name) as client.Counter<L> | undefined) ?? new client.Counter({ name, help, labelNames });
}

/** A gauge, created once per process; `collect` runs at scrape time. */
export function gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = [], collect?: (this: client.Gauge<L>) => void | Promise<void>): client.Gauge<L> {
  return (registry.getSingleMetric(name) as client.Gauge<L> | undefined) ?? new client.Gauge({ name, help, labelNames, ...(collect ? { collect } : {}) });
}

/** A histogram (seconds), created once per process. */
export function histogram<L extends string>(name: string, help: string, labelNames: readonly L[] = [], buckets?: number[]): client.Histogram<L> {
  return (registry.getSingleMetric(name) as client.Histogram<L> | undefined) ?? new client.Histogram({ name, help, labelNames, ...(buckets ? { buckets } : {}) });
}

let defaultsCollected = false;
/** Process metrics (CPU, memory, event loop), once. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  client.collectDefaultMetrics({ register: registry });
}
