/**
 * A targeted run of the ad platform: it has no filter, so the whole listing is read, but only
 * the named campaign is kept and synced — one sync call, not one per campaign of the account —
 * and no cursor moves.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { runSync, type IngestDeps } from '../../src/ingest/index.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import type { AdPlatformTruth } from '../../src/sandbox/adplatform/index.ts';
import { startSandboxDeps, truthOf } from '../ingest/fixtures/sandboxDeps.ts';

// The platform's own pace (10 requests a minute, 2 s per sync call, a 503 every 5th list call) is
// the adplatform e2e tests' subject; here it would only make the test slow.
const FAST = {
  SANDBOX_ADPLATFORM_RECORDS: '30', SANDBOX_ADPLATFORM_RATE_LIMIT_PER_MIN: '0', SANDBOX_ADPLATFORM_SYNC_MS: '0',
  SANDBOX_ADPLATFORM_UNAVAILABLE_EVERY: '0', SANDBOX_ADPLATFORM_POISON_RATE: '0', SANDBOX_ADPLATFORM_HOSTILE_RATE: '0',
};

describe('targeted sync run of the ad platform', () => {
  const db = useTestDb();
  let sandbox: Sandbox;
  let deps: IngestDeps;
  before(async () => {
    ({ sandbox, deps } = await startSandboxDeps(db.pool, ['adplatform'], { env: FAST }));
    db.closeLater(sandbox);
  });

  it('by id: only that campaign is enqueued and synced, the cursor stays where it was', async () => {
    const run = await runSync(deps, { source: 'adplatform', mode: 'incremental', target: { kind: 'id', id: 'campaign_7' } });
    assert.equal(run.status, 'success', run.error ?? '');
    const { rows } = await db.pool.query<{ entity: string; id: string }>(
      "SELECT payload->>'entity' AS entity, payload->>'externalId' AS id FROM jobs WHERE queue = 'ingest' AND payload->>'runId' = $1 ORDER BY 1",
      [run.runId],
    );
    assert.deepEqual(rows, [{ entity: 'campaign', id: 'campaign_7' }, { entity: 'campaign_sync', id: 'campaign_7' }]);
    const truth = await truthOf<AdPlatformTruth>(sandbox, 'adplatform');
    assert.deepEqual(truth.syncCalls, { campaign_7: 1 }, 'one sync call: the named campaign only');
    assert.equal((await db.pool.query("SELECT 1 FROM sync_cursors WHERE source = 'adplatform'")).rowCount, 0, 'no cursor stored');
  });
});
