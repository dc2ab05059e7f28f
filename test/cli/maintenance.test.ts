import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { createMaintenance } from '../../src/cli/maintenance.ts';
import { silentLogger } from '../../src/log.ts';
import { createManualClock } from '../../src/resilience/index.ts';
import { waitFor } from '../ingest/fixtures/support.ts';

describe('maintenance', () => {
  let db: TestDb;
  before(async () => {
    db = await createTestDb();
  });
  after(() => db.drop());

  it('deletes consumer dedupe rows older than 30 days and keeps recent ones', async () => {
    await db.pool.query(
      `INSERT INTO processed_events (consumer, event_id, processed_at) VALUES
         ('c', gen_random_uuid(), now() - interval '31 days'),
         ('c', gen_random_uuid(), now())`,
    );
    const result = await createMaintenance({ pool: db.pool, logger: silentLogger, changesRetentionDays: 7 }).runOnce();
    assert.deepEqual(result, { processedEvents: 1, changesPruned: 0 });
    const events = await db.pool.query('SELECT count(*)::int AS n FROM processed_events');
    assert.equal(events.rows[0].n, 1);
  });

  it('prunes change-feed rows past CHANGES_RETENTION_DAYS by the injected clock and keeps the newer ones', async () => {
    const insert = (id: string) =>
      db.pool.query(`INSERT INTO contacts (source, connection_id, external_id, email) VALUES ('hubspot', 'hubspot-default', $1, 'x@example.com')`, [id]);
    await insert('c_old');
    // Changes become prunable once final (below the horizon), which another test file's open transaction can delay.
    const old = await db.pool.query<{ at: Date }>("SELECT changed_at AS at FROM changes WHERE record->>'external_id' = 'c_old'");
    const clock = createManualClock(old.rows[0]!.at.getTime() + 3 * 86_400_000 + 1000);
    await insert('c_new');
    await db.pool.query("UPDATE changes SET changed_at = changed_at + interval '3 days' WHERE record->>'external_id' = 'c_new'");
    const maintenance = createMaintenance({ pool: db.pool, logger: silentLogger, changesRetentionDays: 3, clock });
    const { changesPruned } = await waitFor(async () => {
      const r = await maintenance.runOnce();
      return r.changesPruned > 0 ? r : null;
    }, 'the old change to be pruned');
    assert.equal(changesPruned, 1);
    const left = await db.pool.query<{ id: string }>("SELECT record->>'external_id' AS id FROM changes WHERE table_name = 'contacts'");
    assert.deepEqual(left.rows.map((r) => r.id), ['c_new']);
  });
});
