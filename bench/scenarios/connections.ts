/**
 * Many ad-platform clients at once: `connections` client connections (10 campaigns each, the
 * platform's default faults — 10 requests/min per client, every 5th list call a 503, every 10th
 * held as a timeout), all triggered together and synced by 1, then 2 workers; the figure is the
 * platform time until every campaign of every client is stored and synced. A client's sync is
 * bound by its own rate limit, so with runs that hold no database connection while they wait,
 * the whole fleet should take about as long as one client: the baseline is the slowest
 * client's rate-limit bound (requests it was served ÷ 10/min).
 *
 * The "workers" run in this process, each with its own pool, connectors, sync worker and
 * outbox processor: the simulator, the connectors' timeouts and backoff and the shared rate
 * gates (`time: 'clock'`) must all keep the same scaled time, and a scaled clock cannot be
 * handed to a spawned `buffalo start` without a bench-only knob in runtime code. What is shared
 * between them — the queue, the lease rows, the rate buckets — is all in PostgreSQL, as between
 * processes. CPU per connection is this process's (workers and simulator together).
 */
import { resolveConfig } from '../../src/config.ts';
import { createConnection, createConnectionConnectors, createSecretBox } from '../../src/connections/index.ts';
import { createPool } from '../../src/db/index.ts';
import { acceptSync, createIngestProcessor, createSyncWorker, type IngestDeps } from '../../src/ingest/index.ts';
import { silentLogger } from '../../src/log.ts';
import { ADPLATFORM_DEFAULT_KNOBS, startAdPlatformSimulator } from '../../src/sandbox/adplatform/index.ts';
import { sandboxAccountCredentials } from '../../src/sandbox/index.ts';
import { result, round, targets } from '../measure.ts';
import { createScaledClock } from '../scaledClock.ts';
import type { BenchResult, Scenario, ScenarioContext } from '../types.ts';

/** Options of the connections scenario. */
export interface ConnectionsOptions {
  connections: number;
  /** Worker counts to measure, in order. */
  workers: number[];
  scale: number;
  timeoutS: number;
}

const CAMPAIGNS = 10;
const RATE_PER_MIN = 10;
const SECRET_KEY = Buffer.alloc(32, 0x33);

interface SimStats {
  requests: number;
  rateLimited: number;
  rateLimitedByAccount: Record<string, number>;
  calls: Record<string, number>;
}

/** The connections scenario. */
export const connectionsScenario: Scenario<ConnectionsOptions> = {
  name: 'connections',
  description: 'platform time for many ad-platform clients (10 req/min each) synced at once by 1 and 2 workers, vs one client\'s rate-limit bound',
  async run(ctx, opts) {
    const out: BenchResult[] = [];
    for (const workers of opts.workers) out.push(await measure(ctx, opts, workers));
    return out;
  },
};

async function measure(ctx: ScenarioContext, opts: ConnectionsOptions, workerCount: number): Promise<BenchResult> {
  const n = opts.connections;
  const clock = createScaledClock(opts.scale);
  const db = await ctx.databases.fresh({ poolMax: 10 });
  const sim = await startAdPlatformSimulator({
    port: 0,
    clock,
    env: { SANDBOX_ADPLATFORM_ACCOUNTS: String(n + 1) },
    faults: { records: CAMPAIGNS, rateLimitPerMin: RATE_PER_MIN },
    knobs: { syncMs: Math.round(ADPLATFORM_DEFAULT_KNOBS.syncMs / opts.scale) },
  });
  const box = createSecretBox(SECRET_KEY);
  // Enough slots for every client at once: a run mostly waits on its client's limit.
  const config = resolveConfig({ NODE_ENV: 'test', AD_PLATFORM_API_URL: sim.url, SYNC_CONCURRENCY: String(Math.ceil(n / workerCount)) });
  const stops: Array<() => Promise<void>> = [];
  try {
    const ids: Array<{ id: string; account: number }> = [];
    for (let a = 2; a <= n + 1; a++) {
      const c = await createConnection({ pool: db.pool, box, check: async () => undefined }, { provider: 'adplatform', name: `client ${a}`, credentials: sandboxAccountCredentials('adplatform', a) });
      ids.push({ id: c.id, account: a });
    }
    for (let w = 0; w < workerCount; w++) {
      const pool = createPool(db.url, { max: 20, application: `bench-worker-${w}` });
      const connections = createConnectionConnectors({ pool, box, config, logger: silentLogger, clock, rateGateTime: 'clock' });
      const deps: IngestDeps = { pool, config, logger: silentLogger, connectors: {}, connections };
      const syncs = createSyncWorker(deps, { pollIntervalMs: 50 });
      const processor = createIngestProcessor(deps, { pollIntervalMs: 50 });
      await Promise.all([syncs.start(), processor.start()]);
      stops.push(async () => {
        await syncs.stop();
        await processor.stop();
        await pool.end();
      });
    }

    ctx.log(`connections: ${n} clients × ${CAMPAIGNS} campaigns at ${RATE_PER_MIN} req/min, ${workerCount} worker(s), clock × ${opts.scale}`);
    const cpu0 = process.cpuUsage();
    const t0 = clock.now();
    for (const { id } of ids) await acceptSync(db.pool, { source: 'adplatform', connectionId: id, mode: 'full', trigger: 'bench' });
    const deadline = Date.now() + opts.timeoutS * 1000;
    let done = 0;
    let reruns = 0;
    for (;;) {
      const { rows } = await db.pool.query<{ connection_id: string; synced: number; active: boolean }>(
        `SELECT c.id AS connection_id,
           (SELECT count(*) FROM campaigns k WHERE k.connection_id = c.id AND k.synced_at IS NOT NULL)::int AS synced,
           EXISTS (SELECT 1 FROM sync_runs r WHERE r.connection_id = c.id AND r.status IN ('queued', 'running')) AS active
         FROM connections c WHERE c.provider = 'adplatform'`,
      );
      done = rows.filter((r) => r.synced >= CAMPAIGNS).length;
      const pending = (await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM jobs WHERE queue = 'ingest'")).rows[0]!.n;
      if (done === n && pending === 0) break;
      if (Date.now() > deadline) throw new Error(`connections bench: ${done}/${n} clients fully synced after ${opts.timeoutS} s`);
      // A sync call that failed after every retry is retried by the next run (the scheduler's
      // next tick in production): start one for each client whose run ended short.
      for (const r of rows) {
        if (r.synced < CAMPAIGNS && !r.active && pending === 0) {
          reruns++;
          await acceptSync(db.pool, { source: 'adplatform', connectionId: r.connection_id, mode: 'incremental', trigger: 'bench' });
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const wallMs = clock.now() - t0;
    const cpu = process.cpuUsage(cpu0);

    const stats = (await (await fetch(`${sim.url}/__sandbox/stats`)).json()) as SimStats;
    const stored = (await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM campaigns WHERE connection_id LIKE 'conn_%'")).rows[0]!.n;
    const dead = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM dead_letters')).rows[0]!.n;
    const max429 = Math.max(0, ...Object.values(stats.rateLimitedByAccount ?? {}));
    // Why runs ended short (each such client needed another run): the commonest reasons.
    const short = (await db.pool.query<{ why: string; n: number }>(
      `SELECT left(COALESCE(error, notes::text, status), 160) AS why, count(*)::int AS n FROM sync_runs
       WHERE status IN ('failed', 'partial') OR (status = 'success' AND notes::text LIKE '%fail%')
       GROUP BY 1 ORDER BY 2 DESC LIMIT 3`,
    )).rows;
    const servedPerClient = (stats.requests - stats.rateLimited) / n;
    const boundMin = servedPerClient / RATE_PER_MIN;
    return result({
      scenario: 'connections',
      metric: `platform time, ${n} clients, ${workerCount} worker(s)`,
      value: round(wallMs / 60_000, 2),
      unit: 'min',
      baseline: { name: `one client's rate-limit bound: ${round(servedPerClient, 1)} requests served ÷ ${RATE_PER_MIN}/min`, value: round(boundMin, 2), unit: 'min' },
      target: targets.ratioAtMost(1.2, 'bound'),
      params: {
        connections: n,
        workers: workerCount,
        campaignsStored: stored,
        lost: n * CAMPAIGNS - stored,
        deadLetters: dead,
        reruns,
        shortRunReasons: short.map((r) => `${r.n}× ${r.why}`).join(' | '),
        upstream429: stats.rateLimited,
        max429PerClient: max429,
        clockScale: opts.scale,
        realSeconds: round(wallMs / opts.scale / 1000, 1),
        cpuMsPerConnection: round((cpu.user + cpu.system) / 1000 / n, 1),
      },
    });
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await sim.close();
    await db.drop();
  }
}
