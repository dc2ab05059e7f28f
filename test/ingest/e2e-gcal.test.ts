import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb, type TestDbFixture } from '../helpers/testResources.ts';
import { runSync, type IngestDeps } from '../../src/ingest/index.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import type { GcalTruth } from '../../src/sandbox/gcal/index.ts';
import { drainOutbox } from './fixtures/support.ts';
import { controlSim, startSandboxDeps, truthOf } from './fixtures/sandboxDeps.ts';

interface EventDbRow { external_id: string; status: string; summary: string | null; starts_at: Date | null }

async function assertEventsMatchTruth(db: TestDbFixture, sandbox: Sandbox): Promise<{ truth: GcalTruth; stored: Map<string, EventDbRow> }> {
  const truth = await truthOf<GcalTruth>(sandbox, 'gcal');
  const { rows } = await db.pool.query<EventDbRow>("SELECT external_id, status, summary, starts_at FROM calendar_events WHERE source = 'gcal'");
  const stored = new Map(rows.map((r) => [r.external_id, r]));
  for (const e of truth.events.filter((x) => !x.poison)) {
    if (e.recurring) {
      // Recurring series are stored as their instances (ids `<series>_<start>`).
      assert.ok(rows.some((r) => r.external_id === e.id || r.external_id.startsWith(`${e.id}_`)), `series ${e.id} stored`);
      continue;
    }
    const row = stored.get(e.id);
    assert.ok(row, `event ${e.id} stored`);
    assert.equal(row.status, e.status, `event ${e.id} status`);
    if (e.status !== 'cancelled') assert.equal(row.summary, e.summary, `event ${e.id} summary`);
  }
  return { truth, stored };
}

describe('ingest end to end: Google Calendar (sync tokens, cancellations, expired token)', () => {
  const db = useTestDb();
  let sandbox: Sandbox;
  let deps: IngestDeps;
  before(async () => {
    ({ sandbox, deps } = await startSandboxDeps(db.pool, ['gcal'], { env: { SANDBOX_GCAL_RECORDS: '150', SANDBOX_GCAL_SEED: '9', SANDBOX_GCAL_POISON_RATE: '0' } }));
    db.closeLater(sandbox);
  });

  it('full then incremental: stored events equal the calendar; a cancellation keeps the stored title and time', async () => {
    const full = await runSync(deps, { source: 'gcal', mode: 'full' });
    assert.equal(full.status, 'success', full.error ?? '');
    await drainOutbox(deps);
    const first = await assertEventsMatchTruth(db, sandbox);
    const live = new Map([...first.stored].filter(([, r]) => r.status !== 'cancelled'));

    await controlSim(sandbox, 'gcal', '/__sandbox/advance', { hours: 4 });
    const inc = await runSync(deps, { source: 'gcal', mode: 'incremental' });
    assert.equal(inc.status, 'success', inc.error ?? '');
    assert.equal(inc.staleCursorDetected, false);
    assert.ok(JSON.parse(inc.cursorBefore.event ?? '{}').syncToken, 'read from the stored sync token');
    await drainOutbox(deps);
    const second = await assertEventsMatchTruth(db, sandbox);
    const cancelledNow = [...second.stored.values()].filter((r) => r.status === 'cancelled' && live.has(r.external_id));
    assert.ok(cancelledNow.length > 0, 'some live events were cancelled upstream');
    for (const r of cancelledNow) {
      assert.equal(r.summary, live.get(r.external_id)!.summary, 'title kept');
      assert.deepEqual(r.starts_at, live.get(r.external_id)!.starts_at, 'start kept');
    }
  });

  it('an expired sync token: staleCursorDetected, cursor reset, full backfill in the same run, data complete', async () => {
    await controlSim(sandbox, 'gcal', '/__sandbox/expire-sync-tokens', {});
    await controlSim(sandbox, 'gcal', '/__sandbox/advance', { hours: 2 });
    const run = await runSync(deps, { source: 'gcal', mode: 'incremental' });
    assert.equal(run.status, 'success', run.error ?? '');
    assert.equal(run.staleCursorDetected, true);
    assert.equal(run.fullBackfillTriggered, true);
    assert.ok(JSON.parse(run.cursorAfter.event ?? '{}').syncToken, 'a fresh sync token was stored');
    await drainOutbox(deps);
    await assertEventsMatchTruth(db, sandbox);
    const next = await runSync(deps, { source: 'gcal', mode: 'incremental' });
    assert.equal(next.staleCursorDetected, false, 'the new token works');
  });
});
