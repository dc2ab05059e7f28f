/**
 * The change feed end to end with a real connector: ad-platform campaigns synced from the
 * simulator over HTTP appear ADDED; a campaign deleted upstream (the simulator's delete
 * endpoint) is marked deleted by the sweep of the next completed listing and appears DELETED,
 * exactly once, with the campaign's data and deletedAt; a later listing adds nothing.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { changeRoutes, headCursor } from '../../src/changes/index.ts';
import type { App } from '../../src/http/index.ts';
import { runSync, type IngestDeps } from '../../src/ingest/index.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import { API_HEADERS, buildTestApp } from '../helpers/app.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { drainOutbox } from '../ingest/fixtures/support.ts';
import { waitFor } from '../helpers/waitFor.ts';
import { startSandboxDeps } from '../ingest/fixtures/sandboxDeps.ts';

type Change = { action: string; record: Record<string, unknown> };

describe('change feed: a delete upstream, seen through a sync', () => {
  const db = useTestDb();
  let sandbox: Sandbox;
  let deps: IngestDeps;
  let app: App;
  before(async () => {
    ({ sandbox, deps } = await startSandboxDeps(db.pool, ['adplatform'], {
      env: {
        SANDBOX_ADPLATFORM_RECORDS: '8', SANDBOX_ADPLATFORM_SEED: '21', SANDBOX_ADPLATFORM_POISON_RATE: '0', SANDBOX_ADPLATFORM_RATE_LIMIT_PER_MIN: '0',
        SANDBOX_ADPLATFORM_SYNC_MS: '1', SANDBOX_ADPLATFORM_UNAVAILABLE_EVERY: '0', SANDBOX_ADPLATFORM_TIMEOUT_EVERY: '0',
      },
    }));
    db.closeLater(sandbox);
    app = db.closeLater(await buildTestApp(db.pool));
    await app.register(changeRoutes, { pool: db.pool });
    await app.ready();
  });

  /** Every change after `cursor` once the feed shows at least `count` (commits are waited for, not assumed). */
  async function changesAfter(cursor: string, count: number): Promise<{ changes: Change[]; cursor: string }> {
    const changes: Change[] = [];
    await waitFor(`${count} campaign changes`, async () => {
      for (;;) {
        const res = await app.inject({ method: 'GET', url: `/changes?table=campaigns&limit=3&after=${cursor}`, headers: API_HEADERS });
        assert.equal(res.statusCode, 200, res.body);
        const page = res.json() as { changes: Change[]; nextCursor: string };
        changes.push(...page.changes);
        cursor = page.nextCursor;
        if (page.changes.length < 3) break;
      }
      return changes.length >= count;
    });
    return { changes, cursor };
  }

  it('ADDED by the first sync, DELETED once by the sweep after the delete upstream', async () => {
    const start = await headCursor(db.pool);
    const first = await runSync(deps, { source: 'adplatform', mode: 'full' });
    assert.equal(first.status, 'success', first.error ?? '');
    await drainOutbox(deps);
    const stored = (await db.pool.query<{ external_id: string; name: string }>("SELECT external_id, name FROM campaigns WHERE deleted_at IS NULL ORDER BY external_id")).rows;
    assert.ok(stored.length >= 8, `campaigns stored: ${stored.length}`);
    const added = await changesAfter(start, stored.length);
    assert.deepEqual(added.changes.filter((c) => c.action === 'ADDED').map((c) => c.record.externalId).sort(), stored.map((r) => r.external_id));

    const gone = stored[0]!;
    const res = await fetch(`${sandbox.urls.adplatform}/__sandbox/campaigns/${encodeURIComponent(gone.external_id)}`, { method: 'DELETE' });
    assert.equal(res.status, 204);
    const sweep = await runSync(deps, { source: 'adplatform', mode: 'full' });
    assert.equal(sweep.status, 'success', sweep.error ?? '');
    await drainOutbox(deps);
    const deleted = await changesAfter(added.cursor, 1);
    const ofGone = deleted.changes.filter((c) => c.record.externalId === gone.external_id);
    assert.deepEqual(ofGone.map((c) => c.action), ['DELETED']);
    assert.equal(ofGone[0]!.record.name, gone.name, 'the DELETED version carries the record');
    assert.ok(ofGone[0]!.record.deletedAt);
    assert.deepEqual(deleted.changes.filter((c) => c.action === 'DELETED').length, 1, 'only the removed campaign');
  });
});
