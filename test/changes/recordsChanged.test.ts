import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { useTestDb } from '../helpers/testResources.ts';
import { ADMIN_HEADERS, API_HEADERS, buildTestApp } from '../helpers/app.ts';
import { waitFor } from '../helpers/waitFor.ts';
import type { App } from '../../src/http/index.ts';
import { announceChanges, changeRoutes, isPositionVisible } from '../../src/changes/index.ts';
import { createSecretBox } from '../../src/connections/index.ts';
import { createSyncWorker, ingestRoutes, type IngestDeps } from '../../src/ingest/index.ts';
import type { Worker } from '../../src/queue/index.ts';
import { silentLogger } from '../../src/log.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import { createWebhookWorker, webhookRoutes, type RecordsChangedData, type WebhookEnvelope } from '../../src/webhooks/index.ts';
import { startSandboxDeps } from '../ingest/fixtures/sandboxDeps.ts';
import { drainOutbox } from '../ingest/fixtures/support.ts';
import { startReceiver, verifyLikeAReceiver, type Receiver } from '../webhooks/receiver.ts';

describe('records.changed: the writing transaction announces its feed range, not its rows', () => {
  const db = useTestDb();
  let sandbox: Sandbox;
  let deps: IngestDeps;
  let app: App;
  let receiver: Receiver;
  let worker: Worker;
  const box = createSecretBox(randomBytes(32));
  let key = 0;

  before(async () => {
    ({ sandbox, deps } = await startSandboxDeps(db.pool, ['stripe'], { env: { SANDBOX_STRIPE_RECORDS: '25', SANDBOX_STRIPE_SEED: '11', SANDBOX_STRIPE_POISON_RATE: '0' } }));
    db.closeLater(sandbox);
    deps = { ...deps, announceChanges };
    app = db.closeLater(await buildTestApp(db.pool));
    await app.register(ingestRoutes, { pool: db.pool, connectors: deps.connectors });
    await app.register(changeRoutes, { pool: db.pool });
    await app.register(webhookRoutes, { pool: db.pool, box, allowPrivateUrls: true });
    await app.ready();
    receiver = db.closeLater(await startReceiver());
    worker = createWebhookWorker({ pool: db.pool, config: { webhooks: { allowPrivateUrls: true, timeoutMs: 5000, maxAttempts: 3 } }, box, logger: silentLogger, backoff: { baseMs: 0, maxMs: 0 } });
    db.onClose(() => worker.stop());
  });

  const subscribe = async (body: Record<string, unknown>) => {
    const res = await app.inject({ method: 'POST', url: '/webhook-subscriptions', headers: { ...ADMIN_HEADERS, 'idempotency-key': `rc-${++key}` }, payload: body });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { id: string; secret: string };
  };

  it('a sync\'s processed records reach a subscriber as signed ranges that GET /changes reads back exactly', async () => {
    const sub = await subscribe({ url: `${receiver.url}/changed`, events: ['records.changed'] });
    const elsewhere = await subscribe({ url: `${receiver.url}/other`, events: ['records.changed'], connectionId: 'hubspot-default' });
    const accepted = await app.inject({ method: 'POST', url: '/trigger/stripe/full', headers: { ...ADMIN_HEADERS, 'idempotency-key': `rc-${++key}` } });
    assert.equal(accepted.statusCode, 202, accepted.body);
    await createSyncWorker(deps).runOnce();
    await drainOutbox(deps);
    for (let round = 0; round < 20 && (await worker.runOnce()).claimed > 0; round++);

    const events = receiver.received.map((r) => ({ path: r.path, signature: String(r.headers['buffalo-signature']), body: r.body, event: JSON.parse(r.body) as WebhookEnvelope & { data: RecordsChangedData } }));
    assert.ok(events.length > 0, 'records.changed delivered');
    assert.ok(events.every((e) => e.path === '/changed'), 'the subscription narrowed to another connection got nothing');
    assert.equal(elsewhere.id.startsWith('whsub_'), true);
    for (const e of events) {
      assert.equal(e.event.type, 'records.changed');
      assert.equal(verifyLikeAReceiver(sub.secret, e.signature, e.body), true);
      assert.equal(e.event.connectionId, 'stripe-default');
      assert.equal(e.event.data.connectionId, 'stripe-default');
      assert.ok(!('record' in e.event.data) && !('changes' in e.event.data), 'the range, never the rows');
    }
    const payments = events.filter((e) => e.event.data.table === 'payments');
    const stored = (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM payments WHERE connection_id = 'stripe-default'`)).rows[0]!.n;
    assert.ok(stored > 0);
    assert.equal(payments.reduce((n, e) => n + e.event.data.count, 0), stored, 'every stored payment announced once (first sync: one ADDED each)');

    // Each range reads back from the feed: from fromCursor, its count of changes, ending at toCursor.
    for (const { event } of payments) {
      await waitFor('the range to become readable', () => isPositionVisible(db.pool, event.data.toCursor), { timeoutMs: 60_000 });
      const res = await app.inject({ method: 'GET', url: `/changes?table=payments&connectionId=stripe-default&after=${encodeURIComponent(event.data.fromCursor)}&limit=${event.data.count}`, headers: API_HEADERS });
      assert.equal(res.statusCode, 200, res.body);
      const page = res.json() as { changes: Array<{ action: string }>; nextCursor: string };
      assert.equal(page.changes.length, event.data.count);
      assert.ok(page.changes.every((c) => c.action === 'ADDED'));
      assert.equal(page.nextCursor, event.data.toCursor);
    }
  });

  it('a transaction announces only when someone subscribed', async () => {
    const deliveries = async () => (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_deliveries')).rows[0]!.n;
    await db.pool.query('DELETE FROM webhook_subscriptions');
    const none = await deliveries();
    await withAnnouncement();
    assert.equal(await deliveries(), none, 'no subscription: nothing written');
    await subscribe({ url: `${receiver.url}/changed`, events: ['records.changed'] });
    await withAnnouncement();
    assert.equal(await deliveries(), none + 1, 'one subscription, one changed table and connection: one delivery');
  });

  // A transaction that changed payments and announces them, as the processor does.
  async function withAnnouncement(): Promise<void> {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`UPDATE payments SET amount_cents = amount_cents + 1 WHERE connection_id = 'stripe-default'`);
      await announceChanges(client);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  }
});
