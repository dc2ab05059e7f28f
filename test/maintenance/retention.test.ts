import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { resolveConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { createMaintenance, retentionTasks } from '../../src/maintenance/index.ts';
import { waitFor } from '../helpers/waitFor.ts';

const NOW = Date.parse('2026-12-06T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW - d * 86_400_000).toISOString();

describe('maintenance keeps every growing table bounded by its retention', () => {
  const db = useTestDb();

  const count = async (sql: string) => (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`)).rows[0]!.n;
  const maintenance = (env: Record<string, string> = {}) =>
    createMaintenance({ pool: db.pool, config: resolveConfig(env), logger: silentLogger, clock: { now: () => NOW, sleep: () => Promise.resolve() } });

  it('prunes rows past each table\'s retention, keeps recent ones and what must stay however old', async () => {
    const q = (sql: string, params: unknown[] = []) => db.pool.query(sql, params);
    // Sync runs (90 days): an old finished run that a newer one of its status follows goes; the
    // newest of each status per connection and a run still queued stay however old.
    await q(`INSERT INTO sync_runs (source, connection_id, entity, mode, status, trigger, created_at) VALUES
      ('stripe', 'stripe-default', 'all', 'incremental', 'success', 'api', $1),
      ('stripe', 'stripe-default', 'all', 'incremental', 'success', 'api', $2),
      ('stripe', 'stripe-default', 'all', 'incremental', 'failed',  'api', $1),
      ('stripe', 'stripe-default', 'all', 'incremental', 'queued',  'api', $1),
      ('stripe', 'stripe-default', 'all', 'incremental', 'success', 'api', $3)`, [daysAgo(200), daysAgo(150), daysAgo(1)]);
    await q(`INSERT INTO sync_run_tallies (run_id, slot, records_upserted) SELECT id, 0, 1 FROM sync_runs`);
    // Webhook event ids (30 days), scheduler ticks (7 days), processed events (30 days).
    await q(`INSERT INTO webhook_events (event_id, received_at) VALUES ('evt_old', $1), ('evt_new', $2)`, [daysAgo(31), daysAgo(2)]);
    await q(`INSERT INTO scheduler_ticks (name, slot, fired_at) VALUES ('t', '1', $1), ('t', '2', $2)`, [daysAgo(8), daysAgo(1)]);
    await q(`INSERT INTO processed_events (consumer, event_id, processed_at) VALUES ('c', gen_random_uuid(), $1), ('c', gen_random_uuid(), $2)`, [daysAgo(31), daysAgo(1)]);
    // Dead letters (30 days after their replay): an open one stays however old.
    await q(`INSERT INTO dead_letters (queue, job_id, payload, reason, error_name, error_message, attempts, max_attempts, job_created_at, failed_at, replayed_at) VALUES
      ('q', 1, '{}', 'permanent', 'E', 'm', 1, 1, $1, $1, $1),
      ('q', 2, '{}', 'permanent', 'E', 'm', 1, 1, $1, $1, $2),
      ('q', 3, '{}', 'permanent', 'E', 'm', 1, 1, $1, $1, NULL)`, [daysAgo(100), daysAgo(1)]);
    // Reconciliations (90 days), as sync runs.
    await q(`INSERT INTO reconciliations (source, connection_id, repair, trigger, status, created_at) VALUES
      ('stripe', 'stripe-default', false, 'api', 'done', $1),
      ('stripe', 'stripe-default', false, 'api', 'done', $2),
      ('stripe', 'stripe-default', false, 'api', 'failed', $1)`, [daysAgo(200), daysAgo(1)]);
    // Webhook deliveries (30 days after delivery): failed and dead ones stay however old.
    await q(`INSERT INTO webhook_subscriptions (id, url, events, secret_sealed, secret_key_id) VALUES ('whsub_000000000000000000000001', 'http://localhost/x', '{sync.completed}', 'sealed', 'k')`);
    await q(`INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, body, status, delivered_at, created_at) VALUES
      ('whsub_000000000000000000000001', 'evt_old', 'sync.completed', '{}', 'delivered', $1, $1),
      ('whsub_000000000000000000000001', 'evt_new', 'sync.completed', '{}', 'delivered', $2, $2),
      ('whsub_000000000000000000000001', 'evt_dead', 'sync.completed', '{}', 'dead', NULL, $1)`, [daysAgo(31), daysAgo(1)]);
    // Idempotency keys carry their own expiry.
    await q(`INSERT INTO idempotency_keys (scope, key, request_hash, status, locked_until, expires_at) VALUES
      ('s', 'old', 'h', 'done', $1, $1), ('s', 'new', 'h', 'done', $2, now() + interval '1 day')`, [daysAgo(2), daysAgo(0)]);

    const counts = await maintenance().runOnce();
    assert.deepEqual(counts, {
      idempotency_keys: 1, sync_runs: 2, webhook_events: 1, scheduler_ticks: 1, dead_letters: 1, processed_events: 1, reconciliations: 1, webhook_deliveries: 1, changes: 0,
    });
    assert.deepEqual((await q(`SELECT status, created_at < $1 AS old FROM sync_runs ORDER BY status, created_at`, [daysAgo(90)])).rows,
      [{ status: 'failed', old: true }, { status: 'queued', old: true }, { status: 'success', old: false }]);
    assert.equal(await count('sync_run_tallies'), 3, 'the pruned runs\' tallies went with them');
    assert.deepEqual((await q(`SELECT event_id FROM webhook_events`)).rows, [{ event_id: 'evt_new' }]);
    assert.deepEqual((await q(`SELECT job_id FROM dead_letters ORDER BY job_id`)).rows, [{ job_id: '2' }, { job_id: '3' }]);
    assert.deepEqual((await q(`SELECT status, created_at > $1 AS recent FROM reconciliations ORDER BY status`, [daysAgo(90)])).rows,
      [{ status: 'done', recent: true }, { status: 'failed', recent: false }]);
    assert.deepEqual((await q(`SELECT event_id FROM webhook_deliveries ORDER BY event_id`)).rows, [{ event_id: 'evt_dead' }, { event_id: 'evt_new' }]);
    assert.deepEqual([await count('scheduler_ticks'), await count('processed_events'), await count('idempotency_keys')], [1, 1, 1]);

    // A second round finds nothing more: what stays is bounded, not slowly eroded.
    assert.ok(Object.values(await maintenance().runOnce()).every((n) => n === 0));
  });

  it('prunes change-feed rows past CHANGES_RETENTION_DAYS and keeps the newer ones', async () => {
    const insert = (id: string) => db.pool.query(`INSERT INTO contacts (source, connection_id, external_id, email) VALUES ('hubspot', 'hubspot-default', $1, 'x@example.com')`, [id]);
    await insert('c_old');
    await insert('c_new');
    await db.pool.query(`UPDATE changes SET changed_at = CASE WHEN record->>'external_id' = 'c_old' THEN $1::timestamptz ELSE $2::timestamptz END WHERE table_name = 'contacts'`, [daysAgo(8), daysAgo(1)]);
    // Changes are pruned once final (below the horizon), which another test file's open transaction can delay.
    const counts = await waitFor('the old change to be pruned', async () => {
      const c = await maintenance().runOnce();
      return c.changes! > 0 ? c : null;
    });
    assert.equal(counts.changes, 1);
    assert.deepEqual((await db.pool.query(`SELECT record->>'external_id' AS id FROM changes WHERE table_name = 'contacts'`)).rows, [{ id: 'c_new' }]);
  });

  it('each retention follows its setting', async () => {
    await db.pool.query(`INSERT INTO webhook_events (event_id, received_at) VALUES ('evt_10d', $1)`, [daysAgo(10)]);
    assert.equal((await maintenance().runOnce()).webhook_events, 0, 'kept under the default 30 days');
    assert.equal((await maintenance({ WEBHOOK_EVENTS_RETENTION_DAYS: '5' }).runOnce()).webhook_events, 1, 'pruned under 5 days');
  });

  it('every retention setting is a configuration variable that rejects nonsense, naming it', () => {
    const settings = retentionTasks(resolveConfig({})).flatMap((t) => (t.setting ? [t.setting] : []));
    assert.equal(settings.length, 8);
    for (const name of settings) assert.throws(() => resolveConfig({ [name]: '0' }), (err: Error) => err.message.includes(name));
  });
});
