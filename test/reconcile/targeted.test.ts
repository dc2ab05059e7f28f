/**
 * Targeted runs of Stripe and Google Calendar against their simulators over HTTP: exactly the
 * named records are enqueued, and no cursor moves. (The ad platform's reader is its own full
 * listing filtered; its listing at the platform's pace is covered by the adplatform e2e tests.)
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { runSync, type IngestDeps } from '../../src/ingest/index.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import type { StripeTruth } from '../../src/sandbox/stripe/state.ts';
import type { GcalTruth } from '../../src/sandbox/gcal/state.ts';
import { drainOutbox } from '../ingest/fixtures/support.ts';
import { startSandboxDeps, truthOf } from '../ingest/fixtures/sandboxDeps.ts';

const QUIET: Record<string, string> = {};
for (const name of ['STRIPE', 'GCAL']) {
  Object.assign(QUIET, { [`SANDBOX_${name}_ERROR_RATE`]: '0', [`SANDBOX_${name}_TIMEOUT_RATE`]: '0', [`SANDBOX_${name}_POISON_RATE`]: '0', [`SANDBOX_${name}_HOSTILE_RATE`]: '0', [`SANDBOX_${name}_RATE_LIMIT_PER_MIN`]: '0', [`SANDBOX_${name}_RECORDS`]: '60' });
}

describe('targeted sync runs of stripe and gcal', () => {
  const db = useTestDb();
  let sandbox: Sandbox;
  let deps: IngestDeps;
  before(async () => {
    ({ sandbox, deps } = await startSandboxDeps(db.pool, ['stripe', 'gcal'], { env: QUIET }));
    db.closeLater(sandbox);
    for (const source of ['stripe', 'gcal'] as const) {
      const run = await runSync(deps, { source, mode: 'full' });
      assert.notEqual(run.status, 'failed', `${source}: ${run.error}`);
    }
    await drainOutbox(deps);
  });

  const cursors = async () => (await db.pool.query('SELECT source, entity, cursor FROM sync_cursors ORDER BY source, entity')).rows;
  const jobIds = async (runId: string) =>
    (await db.pool.query<{ entity: string; id: string }>("SELECT payload->>'entity' AS entity, payload->>'externalId' AS id FROM jobs WHERE queue = 'ingest' AND payload->>'runId' = $1", [runId])).rows;

  it('stripe: one charge by id, and the charges and refunds created in a day range', async () => {
    const truth = await truthOf<StripeTruth>(sandbox, 'stripe');
    const before = await cursors();
    const charge = truth.charges[5]!;
    const byId = await runSync(deps, { source: 'stripe', mode: 'incremental', target: { kind: 'id', id: charge.id } });
    assert.equal(byId.status, 'success', byId.error ?? '');
    assert.deepEqual(await jobIds(byId.runId), [{ entity: 'charge', id: charge.id }]);
    await drainOutbox(deps);

    const old = truth.charges.find((c) => c.created * 1000 < Date.now() - 3 * 86_400_000)!;
    const day = new Date(old.created * 1000).toISOString().slice(0, 10);
    const inDay = (created: number) => new Date(created * 1000).toISOString().startsWith(day);
    const expected = [...truth.charges.filter((c) => inDay(c.created)).map((c) => c.id), ...truth.refunds.filter((r) => inDay(r.created)).map((r) => r.id)].sort();
    const byRange = await runSync(deps, { source: 'stripe', mode: 'incremental', target: { kind: 'range', since: day, until: day } });
    assert.equal(byRange.status, 'success', byRange.error ?? '');
    assert.deepEqual((await jobIds(byRange.runId)).map((j) => j.id).sort(), expected);
    assert.deepEqual(await cursors(), before, 'cursors untouched');
    await drainOutbox(deps);
  });

  it('gcal: one event by id, and an unknown id reads nothing', async () => {
    const truth = await truthOf<GcalTruth>(sandbox, 'gcal');
    const before = await cursors();
    const ev = truth.events.find((e) => e.status !== 'cancelled' && !e.recurring)!;
    const run = await runSync(deps, { source: 'gcal', mode: 'incremental', target: { kind: 'id', id: ev.id } });
    assert.equal(run.status, 'success', run.error ?? '');
    assert.deepEqual(await jobIds(run.runId), [{ entity: 'event', id: ev.id }]);
    // Drained: an identical job still waiting in the outbox is not queued twice (outbox dedupe).
    await drainOutbox(deps);
    const none = await runSync(deps, { source: 'gcal', mode: 'incremental', target: { kind: 'id', id: 'no-such-event' } });
    assert.equal(none.status, 'success');
    assert.equal(none.recordsFetched, 0);
    const range = await runSync(deps, { source: 'gcal', mode: 'incremental', target: { kind: 'range', since: ev.start.slice(0, 10), until: ev.start.slice(0, 10) } });
    assert.equal(range.status, 'success', range.error ?? '');
    assert.ok((await jobIds(range.runId)).some((j) => j.id === ev.id), 'the event starting that day is among them');
    assert.deepEqual(await cursors(), before, 'cursors untouched');
    await drainOutbox(deps);
  });
});
