import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { resolveConfig } from '../../src/config.ts';
import { createConnectors } from '../../src/connectors/index.ts';
import { createIngestProcessor, runSync, type IngestDeps } from '../../src/ingest/index.ts';
import { silentLogger } from '../../src/log.ts';
import { ADPLATFORM_DEFAULT_KNOBS, startAdPlatformSimulator, type AdPlatformTruth } from '../../src/sandbox/adplatform/index.ts';
import { createScaledClock } from '../connectors/scaledClock.ts';
import { waitFor } from '../helpers/waitFor.ts';

type Sim = Awaited<ReturnType<typeof startAdPlatformSimulator>>;
const credentials = { email: 'ops@example.test', password: `pw-faithful-${process.pid}` };
const RATE_PER_MIN = 10;
// 30× time: the ~10.5 platform minutes of a full sync take ~21 s.
const SCALE = 30;

describe('ingest end to end against the ad platform as it is (simulator defaults)', () => {
  const clock = createScaledClock(SCALE);
  const db = useTestDb();
  let sim: Sim;
  let deps: IngestDeps;
  before(async () => {
    // Nothing but the platform's own behaviour: 100 campaigns, paging by page × limit with
    // has_more as if limit were 10, every 5th list call a 503, 11 per minute per client, 2 s syncs.
    sim = db.closeLater(await startAdPlatformSimulator({ port: 0, credentials, clock, knobs: { syncMs: Math.round(ADPLATFORM_DEFAULT_KNOBS.syncMs / SCALE) } }));
    // Production settings except the per-attempt timeout: scaled 30×, its 5 s leave a 2 s sync
    // call (67 ms) only 100 ms of event-loop jitter, and a sync that timed out after reaching the
    // platform is retried — a second sync call this test would count against the connector.
    const config = resolveConfig({
      NODE_ENV: 'test',
      AD_PLATFORM_API_URL: sim.url,
      AD_PLATFORM_EMAIL: credentials.email,
      AD_PLATFORM_PASSWORD: credentials.password,
      AD_PLATFORM_CLIENT_ID: 'buffalo-faithful-test',
      ADPLATFORM_TIMEOUT_MS: '30000',
    });
    deps = { pool: db.pool, config, logger: silentLogger, connectors: createConnectors(config, { logger: silentLogger, clock }) };
  });

  it('a full sync stores exactly the 100 campaigns and syncs each once, no phantom, no 429 beyond one per window', { timeout: 120_000 }, async (t) => {
    const processor = createIngestProcessor(deps, { pollIntervalMs: 50 });
    await processor.start();
    try {
      const t0 = clock.now();
      const run = await runSync(deps, { source: 'adplatform', mode: 'full' });
      assert.equal(run.status, 'success', run.error ?? '');
      await waitFor('every campaign stored and synced', async () => {
        const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM campaigns WHERE source = 'adplatform' AND synced_at IS NOT NULL");
        return rows[0]!.n >= 100;
      }, { timeoutMs: 30_000 });
      const elapsedMin = (clock.now() - t0) / 60_000;

      const truth = (await (await fetch(`${sim.url}/__sandbox/truth`)).json()) as AdPlatformTruth;
      const stats = (await (await fetch(`${sim.url}/__sandbox/stats`)).json()) as { requests: number; rateLimited: number; errors: number };
      const { rows } = await db.pool.query<{ external_id: string; synced_at: Date | null }>("SELECT external_id, synced_at FROM campaigns WHERE source = 'adplatform'");
      const ids = truth.campaigns.map((c) => c.id);
      assert.deepEqual(rows.map((r) => r.external_id).sort(), [...ids].sort(), 'exactly the platform\'s 100, no phantom stored');
      assert.ok(rows.every((r) => r.synced_at));
      assert.deepEqual(Object.keys(truth.syncCalls).sort(), [...ids].sort());
      assert.ok(Object.values(truth.syncCalls).every((n) => n === 1), `sync calls: ${JSON.stringify(truth.syncCalls)}`);
      assert.deepEqual([truth.phantomServed, truth.phantomSyncs], [[], {}]);
      assert.equal(run.recordsFetched, 200, '100 campaigns and 100 sync results');
      assert.ok(run.notes.includes("stopped paging at page 1: the platform's total of 100 was reached although it answered has_more=true"), run.notes.join('\n'));

      // No 429 beyond the first per one-minute window. How close the time comes to the limit's bound
      // is the campaign-sync bench's figure: under load the scaled clock stretches it, so no test asserts it.
      assert.ok(stats.rateLimited <= Math.ceil(elapsedMin), `${stats.rateLimited} 429s in ${elapsedMin.toFixed(1)} min`);
      const served = stats.requests - stats.rateLimited;
      const boundMin = served / RATE_PER_MIN;
      assert.ok(served >= 101 && served <= 105, `requests served: ${served}`);
      t.diagnostic(`${served} requests served (${stats.errors} 503, ${stats.rateLimited} 429) in ${elapsedMin.toFixed(2)} platform minutes; bound ${boundMin.toFixed(2)} min`);
    } finally {
      await processor.stop();
    }
  });
});
