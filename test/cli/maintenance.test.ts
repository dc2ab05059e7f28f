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

  it('deletes consumer dedupe rows and delivered webhook deliveries older than 30 days, keeps recent ones and dead deliveries', async () => {
    await db.pool.query(
      `INSERT INTO processed_events (consumer, event_id, processed_at) VALUES
         ('c', gen_random_uuid(), now() - interval '31 days'),
         ('c', gen_random_uuid(), now())`,
    );
    await db.pool.query(`INSERT INTO webhook_subscriptions (id, url, events, secret_sealed, secret_key_id) VALUES ('whsub_000000000000000000000001', 'http://localhost/x', '{sync.completed}', 'sealed', 'k')`);
    await db.pool.query(
      `INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, body, status, delivered_at, created_at) VALUES
         ('whsub_000000000000000000000001', 'evt_old', 'sync.completed', '{}', 'delivered', now() - interval '31 days', now() - interval '31 days'),
         ('whsub_000000000000000000000001', 'evt_new', 'sync.completed', '{}', 'delivered', now(), now()),
         ('whsub_000000000000000000000001', 'evt_dead', 'sync.completed', '{}', 'dead', NULL, now() - interval '90 days')`,
    );
    const result = await createMaintenance({ pool: db.pool, logger: silentLogger }).runOnce();
    assert.deepEqual(result, { processedEvents: 1, webhookDeliveries: 1 });
    const kept = await db.pool.query('SELECT event_id FROM webhook_deliveries ORDER BY event_id');
    assert.deepEqual(kept.rows.map((r) => r.event_id), ['evt_dead', 'evt_new'], 'old delivered ones go; dead ones stay');
    const events = await db.pool.query('SELECT count(*)::int AS n FROM processed_events');
    assert.equal(events.rows[0].n, 1);
  });
});
