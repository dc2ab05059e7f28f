/**
 * orders: POST /api/orders under steady load from autocannon (every request its own
 * Idempotency-Key, a valid dev JWT) against `buffalo start --role api` in a child process, with
 * the inventory simulator at 0 % failures and no latency — vs the physical limit: pgbench
 * replaying the API's own order transaction (`orderWriteStatements`: order, lines, history and
 * the order.created job, pipelined in one transaction) at the same concurrency. For context, the
 * same transaction through node-postgres (`insertOrder` on a pool of the API's size).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { insertOrder, newOrderEvent, orderWriteStatements, signDevToken } from '../../src/orders/index.ts';
import { startSandbox } from '../../src/sandbox/index.ts';
import { backendCpuDelta, backendCpuDuring, backendCpuMs, processCpuMs } from '../cpuTime.ts';
import { closedLoop, percentile, result, round, targets, warmUntilSteady, type WarmUp } from '../measure.ts';
import { pgbenchScript, pgbenchUnavailable, pgbenchVersion, runPgbench, type PgbenchRun } from '../pgbench.ts';
import { freePort } from '../ports.ts';
import { BENCH_KEYS, spawnBuffalo, waitForOk } from '../spawnBuffalo.ts';
import type { Scenario } from '../types.ts';

/** Options of the orders scenario. */
export interface OrdersOptions {
  /** Measured seconds of load per side. */
  durationS: number;
  /** Requests in flight (autocannon connections; raw lanes). */
  connections: number;
  /** Least unmeasured warm-up seconds per side (each side then warms until its rate stops climbing, at most {@link MAX_WARMUP_S}). */
  warmupS: number;
}

const CUSTOMERS = 16;
/** Longest warm-up per side. */
const MAX_WARMUP_S = 45;
/** Length of one warm-up chunk. */
const WARMUP_CHUNK_S = 3;
const PRODUCTS = 50;
/** The API's pool size (openDatabase's default), so the raw side gets the same connections. */
const API_POOL_MAX = 20;
/** pgbench's warm-up before its measured run (no JIT to wait for: caches and prepared plans). */
const PGBENCH_WARMUP_S = 3;

function orderLines(n: number): Array<{ productId: string; quantity: number; price: string }> {
  return Array.from({ length: 1 + (n % 3) }, (_, k) => ({ productId: `prod_${1 + ((n * 7 + k * 13) % PRODUCTS)}`, quantity: 1, price: `${10 + ((n + k) % 90)}.99` }));
}

/** The orders scenario. */
export const ordersScenario: Scenario<OrdersOptions> = {
  name: 'orders',
  description: 'POST /api/orders req/s and p50/p99 (autocannon) vs the same transaction straight through the pg pool',
  async run(ctx, opts) {
    const db = await ctx.databases.fresh({ poolMax: API_POOL_MAX });
    const sandbox = await startSandbox({ basePort: 0, only: ['inventory'], env: { INVENTORY_FAILURE_RATE: '0', SANDBOX_INVENTORY_ERROR_RATE: '0', SANDBOX_INVENTORY_LATENCY_MS: '0', SANDBOX_INVENTORY_RECORDS: String(PRODUCTS) } });
    const dataDir = mkdtempSync(path.join(tmpdir(), 'buffalo-bench-orders-'));
    try {
      const inventoryUrl = sandbox.urls.inventory as string;
      // Enough stock that no order of the run can be refused.
      for (let p = 1; p <= PRODUCTS; p++) {
        const res = await fetch(`${inventoryUrl}/__sandbox/stock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ productId: `prod_${p}`, quantity: 100_000_000 }) });
        if (!res.ok) throw new Error(`orders bench: setting stock failed (${res.status})`);
      }
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const api = spawnBuffalo(
        ['start', '--role', 'api'],
        { NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: db.url, HOST: '127.0.0.1', PORT: String(port), SANDBOX: 'off', INVENTORY_API_BASE_URL: inventoryUrl, BUFFALO_DATA_DIR: dataDir, ...BENCH_KEYS },
        dataDir,
      );
      const dbName = new URL(db.url).pathname.slice(1);
      let load: autocannon.Result;
      let apiWarmUp: WarmUp;
      let apiCpu: { node: number | null; pg: number; bench: number };
      let batches: Record<string, number | null>;
      try {
        await waitForOk(`${base}/readyz`, api, 60_000);
        const tokens = await Promise.all(Array.from({ length: CUSTOMERS }, (_, i) => signDevToken(BENCH_KEYS.JWT_SECRET, `bench-customer-${i + 1}`, 3600)));
        let n = 0;
        const fire = (seconds: number) =>
          autocannon({
            url: base,
            connections: opts.connections,
            duration: seconds,
            requests: [
              {
                method: 'POST',
                path: '/api/orders',
                setupRequest: (req) => {
                  const i = n++;
                  const c = i % CUSTOMERS;
                  return {
                    ...req,
                    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[c] as string}`, 'idempotency-key': randomUUID() },
                    body: JSON.stringify({ customerId: `bench-customer-${c + 1}`, items: orderLines(i) }),
                  };
                },
              },
            ],
          });
        ctx.log(`orders: API warm-up (≥ ${opts.warmupS} s, until req/s stops climbing), then ${opts.durationS} s at ${opts.connections} connections`);
        apiWarmUp = await warmUntilSteady(async (seconds) => {
          const r = await fire(seconds);
          return r['2xx'] / r.duration;
        }, { minS: opts.warmupS, maxS: MAX_WARMUP_S, chunkS: WARMUP_CHUNK_S });
        ctx.log(`orders: API warmed up in ${apiWarmUp.seconds} s (req/s per ${WARMUP_CHUNK_S} s chunk: ${apiWarmUp.chunkRates.join(', ')})`);
        const node0 = processCpuMs(api.child.pid ?? -1);
        const pg0 = backendCpuMs(dbName);
        const bench0 = process.cpuUsage();
        const batch0 = await batchSizes(base);
        load = await fire(opts.durationS);
        batches = meanBatchSizes(batch0, await batchSizes(base));
        const benchUsage = process.cpuUsage(bench0);
        const node1 = processCpuMs(api.child.pid ?? -1);
        apiCpu = { node: node0 === null || node1 === null ? null : node1 - node0, pg: backendCpuDelta(pg0, backendCpuMs(dbName)), bench: (benchUsage.user + benchUsage.system) / 1000 };
      } finally {
        await api.stop();
      }
      const ok = load['2xx'];
      if (ok === 0 || load.non2xx > 0 || load.errors > 0) throw new Error(`orders bench: ${ok} × 2xx, ${load.non2xx} non-2xx, ${load.errors} errors (status codes: ${JSON.stringify(load.statusCodeStats)})`);

      ctx.log(`orders: raw insertOrder transactions, ${opts.connections} lanes on a pool of ${API_POOL_MAX}`);
      const rawOrder = async (i: number) => {
        const lines: Parameters<typeof insertOrder>[3] = orderLines(i).map((l) => ({ productId: l.productId, quantity: l.quantity, priceCents: BigInt(l.price.replace('.', '')) }));
        await insertOrder(db.pool, randomUUID(), `bench-customer-${1 + (i % CUSTOMERS)}`, lines);
      };
      const rawWarmUp = await warmUntilSteady(async (seconds) => (await closedLoop(rawOrder, { concurrency: opts.connections, durationMs: seconds * 1000 })).ratePerS, {
        minS: opts.warmupS,
        maxS: MAX_WARMUP_S,
        chunkS: WARMUP_CHUNK_S,
      });
      ctx.log(`orders: raw side warmed up in ${rawWarmUp.seconds} s (tx/s per chunk: ${rawWarmUp.chunkRates.join(', ')})`);
      const rawPg0 = backendCpuMs(dbName);
      const rawNode0 = process.cpuUsage();
      const raw = await closedLoop(rawOrder, { concurrency: opts.connections, durationMs: opts.durationS * 1000 });
      const rawNodeMs = (() => {
        const u = process.cpuUsage(rawNode0);
        return (u.user + u.system) / 1000;
      })();
      const rawPgMs = backendCpuDelta(rawPg0, backendCpuMs(dbName));
      if (raw.errors > 0) throw new Error(`orders bench: raw side failed ${raw.errors} times: ${raw.firstError}`);

      // The physical limit: the API's own statements, replayed by pgbench (2 lines, the mean order).
      const missing = pgbenchUnavailable();
      let pgbench: (PgbenchRun & { postgresCpuMs: number; withNotify: PgbenchRun | null }) | null = null;
      if (missing) ctx.log(`orders: ${missing}; the physical-limit baseline is unavailable`);
      else {
        const sampleId = '00000000-0000-4000-8000-000000000001';
        const event = newOrderEvent('order.created', sampleId);
        const priced = orderLines(1).map((l) => ({ productId: l.productId, quantity: l.quantity, priceCents: BigInt(l.price.replace('.', '')) }));
        const script = (notify: boolean) => pgbenchScript(db.pool, orderWriteStatements(sampleId, 'bench-customer-1', priced, event, { notify }), [sampleId, event.eventId]);
        const quiet = await script(false);
        ctx.log(`orders: pgbench, the API's order transaction (${pgbenchVersion()}), ${opts.connections} clients, ${PGBENCH_WARMUP_S} s warm-up + ${opts.durationS} s`);
        await runPgbench(db.url, quiet, { clients: opts.connections, seconds: PGBENCH_WARMUP_S });
        const { result: run, cpuMs: postgresCpuMs } = await backendCpuDuring(dbName, () => runPgbench(db.url, quiet, { clients: opts.connections, seconds: opts.durationS }));
        // What a NOTIFY in every commit costs (the shape before orders announced after commit).
        const withNotify = await runPgbench(db.url, await script(true), { clients: opts.connections, seconds: Math.max(3, Math.round(opts.durationS / 2)) });
        pgbench = { ...run, postgresCpuMs, withNotify };
      }

      // CPU per order (ms) over the measured window only: steadier than rates on a shared machine.
      const perOrder = (ms: number | null, n: number) => (ms === null ? null : round(ms / n, 3));
      const rawCount = raw.completed;
      const params = {
        connections: opts.connections,
        durationS: opts.durationS,
        warmUp: { api: apiWarmUp, raw: rawWarmUp, chunkS: WARMUP_CHUNK_S, minS: opts.warmupS, maxS: MAX_WARMUP_S },
        apiOrders: ok,
        rawOrders: raw.completed,
        poolMax: API_POOL_MAX,
        logLevel: 'warn',
        inventory: 'simulator, 0 % failures, no latency',
        cpuMsPerOrder: {
          apiProcess: perOrder(apiCpu.node, ok),
          apiPostgres: perOrder(apiCpu.pg, ok),
          loadAndInventory: perOrder(apiCpu.bench, ok),
          rawNode: perOrder(rawNodeMs, rawCount),
          rawPostgres: perOrder(rawPgMs, rawCount),
          pgbenchPostgres: pgbench ? perOrder(pgbench.postgresCpuMs, pgbench.transactions) : null,
        },
        // Group commit in the API: orders per transaction, Idempotency-Key claims per statement.
        meanBatchSize: batches,
        rawTxPerS: round(raw.ratePerS, 0),
        pgbench: pgbench
          ? { tps: round(pgbench.tps, 0), latencyAvgMs: pgbench.latencyAvgMs, failed: pgbench.failed, withNotifyInCommitTps: pgbench.withNotify ? round(pgbench.withNotify.tps, 0) : null, protocol: 'prepared, pipelined (BEGIN … COMMIT in one flight)' }
          : { unavailable: missing },
      };
      const rawP = (p: number) => percentile(raw.latenciesMs, p);
      const rawName = 'insertOrder through the pg pool';
      const apiRate = round(ok / load.duration, 0);
      const cpuPerOrder = params.cpuMsPerOrder.apiProcess;
      // What the machine's cores could serve if every one of them only placed orders at the CPU
      // the measured window cost per order (API process + its backends + load generator and
      // inventory simulator): how close the API runs to being CPU-bound, next to pgbench, which
      // is bound by commit latency instead.
      const cpuTotal = [params.cpuMsPerOrder.apiProcess, params.cpuMsPerOrder.apiPostgres, params.cpuMsPerOrder.loadAndInventory].reduce<number | null>((sum, ms) => (sum === null || ms === null ? null : sum + ms), 0);
      const cpuCeiling = cpuTotal ? round((availableParallelism() * 1000) / cpuTotal, 0) : null;
      return [
        pgbench
          ? result({ scenario: 'orders', metric: 'POST /api/orders throughput', value: apiRate, unit: 'req/s', baseline: { name: "pgbench: the API's order transaction", value: round(pgbench.tps, 0), unit: 'tx/s' }, target: targets.ratioAtLeast(0.5, 'pgbench'), params })
          : result({ scenario: 'orders', metric: 'POST /api/orders throughput (pgbench unavailable)', value: apiRate, unit: 'req/s', baseline: null, target: targets.ratioAtLeast(0.5, 'pgbench'), params }),
        result({ scenario: 'orders', metric: 'POST /api/orders throughput vs node-postgres', value: apiRate, unit: 'req/s', baseline: { name: rawName, value: round(raw.ratePerS, 0), unit: 'tx/s' }, params }),
        ...(cpuPerOrder === null ? [] : [result({ scenario: 'orders', metric: 'API process CPU per order', value: cpuPerOrder, unit: 'ms', baseline: { name: 'node-postgres side, Node CPU per insertOrder', value: params.cpuMsPerOrder.rawNode ?? 0, unit: 'ms' }, target: targets.atMost(0.5, 'ms'), params })]),
        ...(cpuCeiling === null
          ? []
          : [result({ scenario: 'orders', metric: 'POST /api/orders throughput vs its CPU ceiling', value: apiRate, unit: 'req/s', baseline: { name: `all ${availableParallelism()} cores at ${round(cpuTotal as number, 2)} ms CPU per order`, value: cpuCeiling, unit: 'req/s' }, params })]),
        result({ scenario: 'orders', metric: 'POST /api/orders p50', value: load.latency.p50, unit: 'ms', baseline: { name: rawName, value: round(rawP(50), 1), unit: 'ms' }, params }),
        result({ scenario: 'orders', metric: 'POST /api/orders p99', value: load.latency.p99, unit: 'ms', baseline: { name: rawName, value: round(rawP(99), 1), unit: 'ms' }, target: targets.atMost(50, 'ms'), params }),
      ];
    } finally {
      await sandbox.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

type BatchCounters = Map<string, { sum: number; count: number }>;

// Sum and count of the API's `buffalo_batch_size` histogram, per batch kind.
async function batchSizes(base: string): Promise<BatchCounters> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out: BatchCounters = new Map();
  for (const m of text.matchAll(/^buffalo_batch_size_(sum|count)\{batch="([^"]+)"\} (\S+)$/gm)) {
    const [, field, batch, value] = m as unknown as [string, 'sum' | 'count', string, string];
    const entry = out.get(batch) ?? { sum: 0, count: 0 };
    entry[field] = Number(value);
    out.set(batch, entry);
  }
  return out;
}

function meanBatchSizes(before: BatchCounters, after: BatchCounters): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [batch, a] of after) {
    const b = before.get(batch) ?? { sum: 0, count: 0 };
    out[batch] = a.count > b.count ? round((a.sum - b.sum) / (a.count - b.count), 2) : null;
  }
  return out;
}
