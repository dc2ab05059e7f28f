import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAdplatformConnector } from '../../src/connectors/adplatform/createAdplatformConnector.ts';
import { resolveConfig } from '../../src/config.ts';
import { createPolicy, newCallStats } from '../../src/resilience/index.ts';
import { startAdPlatformSimulator, type AdPlatformTruth } from '../../src/sandbox/adplatform/index.ts';
import { collect, control } from './collect.ts';
import { createScaledClock } from './scaledClock.ts';

type Sim = Awaited<ReturnType<typeof startAdPlatformSimulator>>;
const credentials = { email: 'ops@example.test', password: `pw-${process.pid}` };

describe('adplatform connector, token lifetime (5 s) shorter than the pacing interval (10 requests/min = one per 6 s)', () => {
  const clock = createScaledClock(50);
  let sim: Sim;
  before(async () => {
    sim = await startAdPlatformSimulator({
      port: 0,
      credentials,
      clock,
      faults: { records: 12, errorRate: 0, timeoutRate: 0, rateLimitPerMin: 10, tokenTtlS: 5, seed: 5 },
      knobs: { syncMs: 20 },
    });
  });
  after(() => sim.close());

  it('completes with every campaign listed and synced: the token is taken after the rate-limit wait, when the request leaves', async () => {
    const policy = createPolicy('adplatform-short-token-test', resolveConfig({}).resilience.adplatform, { clock });
    const connector = createAdplatformConnector({ apiUrl: sim.url, ...credentials, clientId: 'short-tokens', policy, clock, pageSize: 10 });
    const stats = newCallStats();
    const run = await collect(connector.streams[0]!, null, 'full', { stats });
    const ids = (await control<AdPlatformTruth>(sim.url, '/__sandbox/truth')).campaigns.map((c) => c.id);
    assert.equal(ids.length, 12);
    assert.deepEqual(run.records.filter((r) => r.entity === 'campaign').map((r) => r.externalId), ids);
    assert.deepEqual(run.records.filter((r) => r.entity === 'campaign_sync_failed').map((r) => r.externalId), []);
    assert.deepEqual(run.records.filter((r) => r.entity === 'campaign_sync').map((r) => r.externalId).sort(), [...ids].sort());
    assert.ok(stats.rateLimitWaits > 0, 'the limiter paced the calls');
  });
});
