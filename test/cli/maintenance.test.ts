import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { createMaintenance } from '../../src/cli/maintenance.ts';
import { silentLogger } from '../../src/log.ts';

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
    const result = await createMaintenance({ pool: db.pool, logger: silentLogger }).runOnce();
    assert.deepEqual(result, { processedEvents: 1, changesPruned: 0 });
    const events = await db.pool.query('SELECT count(*)::int AS n FROM processed_events');
    assert.equal(events.rows[0].n, 1);
  });
});
