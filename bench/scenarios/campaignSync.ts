/**
 * campaign-sync: wall time to store and sync every campaign of the ad platform as it behaves
 * (paging by page × limit with phantoms past its total, every 5th list call a 503, 11 requests
 * per sliding minute per client, 1 h tokens) with rolled faults on top (20 % 503, 10 % silent
 * timeouts), through the real
 * connector and ingest pipeline (runSync → outbox → processor), vs the lower bound the rate
 * limit sets: the requests the platform had to serve ÷ 10 per minute. At 10 req/min a run takes
 * ~15 minutes, so the simulator and the resilience kit share a clock sped up `scale` × (the
 * simulated sync call's 2 s is scaled the same way); every figure is reported in platform time,
 * i.e. projected to real time.
 */
import { resolveConfig } from '../../src/config.ts';
import { createConnectors } from '../../src/connectors/index.ts';
import { createIngestProcessor, runSync, type IngestDeps, type RunReport } from '../../src/ingest/index.ts';
import { silentLogger } from '../../src/log.ts';
import { ADPLATFORM_DEFAULT_KNOBS, startAdPlatformSimulator } from '../../src/sandbox/adplatform/index.ts';
import { result, round, targets } from '../measure.ts';
import { createScaledClock } from '../scaledClock.ts';
import type { Scenario } from '../types.ts';

/** Options of the campaign-sync scenario. */
export interface CampaignSyncOptions {
  /** Clock speed-up shared by the simulator and the connector (default 50). */
  scale: number;
  /** Campaigns on the platform (default 100). */
  campaigns: number;
  /** Give up after this many real seconds. */
  timeoutS: number;
}

const RATE_PER_MIN = 10;
const CREDENTIALS = { email: 'bench@adplatform.sandbox', password: 'bench-only-password' };

interface SimStats {
  requests: number;
  errors: number;
  timeouts: number;
  rateLimited: number;
  tokensIssued?: number;
}

interface SimTruth {
  phantomServed: string[];
  phantomSyncs: Record<string, number>;
}

/** The campaign-sync scenario. */
export const campaignSyncScenario: Scenario<CampaignSyncOptions> = {
  name: 'campaign-sync',
  description: 'wall time for 100 campaigns on the ad platform as it behaves, with rolled faults on top, vs the lower bound set by the rate limit',
  async run(ctx, opts) {
    const clock = createScaledClock(opts.scale);
    const db = await ctx.databases.fresh({ poolMax: 6 });
    const sim = await startAdPlatformSimulator({
      port: 0,
      clock,
      credentials: CREDENTIALS,
      faults: { records: opts.campaigns, errorRate: 0.2, timeoutRate: 0.1, rateLimitPerMin: RATE_PER_MIN, tokenTtlS: 3600 },
      knobs: { syncMs: Math.round(ADPLATFORM_DEFAULT_KNOBS.syncMs / opts.scale) },
    });
    const processor = (deps: IngestDeps) => createIngestProcessor(deps, { pollIntervalMs: 50 });
    let worker: ReturnType<typeof processor> | undefined;
    try {
      // The production resilience settings of the ad platform (config defaults) on the scaled clock.
      const config = resolveConfig({ NODE_ENV: 'test', AD_PLATFORM_API_URL: sim.url, AD_PLATFORM_EMAIL: CREDENTIALS.email, AD_PLATFORM_PASSWORD: CREDENTIALS.password, AD_PLATFORM_CLIENT_ID: 'buffalo-bench' });
      const deps: IngestDeps = { pool: db.pool, config, logger: silentLogger, connectors: createConnectors(config, { logger: silentLogger, clock }) };
      worker = processor(deps);
      await worker.start();

      ctx.log(`campaign-sync: ${opts.campaigns} campaigns at ${RATE_PER_MIN} req/min with 20 % 503 + 10 % timeouts, clock × ${opts.scale}`);
      const t0 = clock.now();
      const realDeadline = Date.now() + opts.timeoutS * 1000;
      const runs: RunReport[] = [];
      let state = { stored: 0, synced: 0 };
      // A sync call that fails after every retry is recorded, not lost; the next run (the
      // scheduler's next tick) retries it, so keep running until every campaign is synced.
      while (state.synced < opts.campaigns && Date.now() < realDeadline) {
        runs.push(await runSync(deps, { source: 'adplatform', mode: runs.length ? 'incremental' : 'full' }));
        state = await waitForStored(db.pool, opts.campaigns, realDeadline);
      }
      const wallMs = clock.now() - t0;
      const stats = (await (await fetch(`${sim.url}/__sandbox/stats`)).json()) as SimStats;
      const truth = (await (await fetch(`${sim.url}/__sandbox/truth`)).json()) as SimTruth;
      const phantomSyncs = Object.keys(truth.phantomSyncs).length;
      const dead = Number((await db.pool.query<{ n: string }>("SELECT count(*) AS n FROM dead_letters WHERE queue = 'ingest'")).rows[0]?.n ?? 0);
      if (state.stored !== opts.campaigns || state.synced !== opts.campaigns || dead > 0 || phantomSyncs > 0) {
        throw new Error(`campaign-sync bench: ${state.stored}/${opts.campaigns} stored, ${state.synced} synced, ${phantomSyncs} phantom syncs, ${dead} dead letters after ${runs.length} run(s)`);
      }

      const served = stats.requests - stats.rateLimited;
      const boundMin = served / RATE_PER_MIN;
      const faultFreeMin = (Math.ceil(opts.campaigns / 100) + opts.campaigns) / RATE_PER_MIN;
      const wallMin = wallMs / 60_000;
      const params = {
        campaigns: opts.campaigns,
        stored: state.stored,
        synced: state.synced,
        deadLetters: dead,
        phantomsServed: truth.phantomServed.length,
        runs: runs.length,
        runStatuses: runs.map((r) => r.status),
        clockScale: opts.scale,
        realSeconds: round(wallMs / opts.scale / 1000, 1),
        requestsServed: served,
        upstream503: stats.errors,
        upstreamTimeouts: stats.timeouts,
        upstream429: stats.rateLimited,
        retriesByCause: runs.reduce<Record<string, number>>((acc, r) => {
          for (const [k, v] of Object.entries(r.retriesByCause)) acc[k] = (acc[k] ?? 0) + v;
          return acc;
        }, {}),
        rateLimitWaits: runs.reduce((n, r) => n + r.rateLimitWaits, 0),
        tokensIssued: stats.tokensIssued ?? null,
        faultFreeBoundMin: round(faultFreeMin, 2),
      };
      return [
        result({
          scenario: 'campaign-sync',
          metric: `wall time, ${opts.campaigns} campaigns (projected to real time)`,
          value: round(wallMin, 2),
          unit: 'min',
          baseline: { name: `rate-limit bound: ${served} requests served ÷ ${RATE_PER_MIN}/min`, value: round(boundMin, 2), unit: 'min' },
          target: targets.ratioAtMost(1.15, 'bound'),
          params,
        }),
        result({
          scenario: 'campaign-sync',
          metric: `wall time vs the fault-free bound`,
          value: round(wallMin, 2),
          unit: 'min',
          baseline: { name: `fault-free bound: ${Math.ceil(opts.campaigns / 100) + opts.campaigns} requests ÷ ${RATE_PER_MIN}/min`, value: round(faultFreeMin, 2), unit: 'min' },
          params,
        }),
      ];
    } finally {
      await worker?.stop();
      await sim.close();
      await db.drop();
    }
  },
};

// Poll until every campaign is synced or the outbox is drained (then a sync call failed: run again).
async function waitForStored(pool: IngestDeps['pool'], expected: number, realDeadline: number): Promise<{ stored: number; synced: number }> {
  for (;;) {
    const { rows } = await pool.query<{ stored: string; synced: string; pending: string }>(
      "SELECT (SELECT count(*) FROM campaigns WHERE source = 'adplatform') AS stored, (SELECT count(*) FROM campaigns WHERE source = 'adplatform' AND synced_at IS NOT NULL) AS synced, (SELECT count(*) FROM jobs WHERE queue = 'ingest') AS pending",
    );
    const r = { stored: Number(rows[0]?.stored ?? 0), synced: Number(rows[0]?.synced ?? 0), pending: Number(rows[0]?.pending ?? 0) };
    if (r.synced >= expected || r.pending === 0 || Date.now() > realDeadline) return r;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
