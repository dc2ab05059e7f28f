import { before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { useTestDb } from '../helpers/testResources.ts';
import { ADMIN_HEADERS, API_HEADERS, buildTestApp } from '../helpers/app.ts';
import type { App } from '../../src/http/index.ts';
import { withTransaction } from '../../src/db/index.ts';
import { createSecretBox } from '../../src/connections/index.ts';
import { createSyncWorker, finishRun, ingestRoutes, insertRun, newRunProgress, type IngestDeps } from '../../src/ingest/index.ts';
import { runReconciliation } from '../../src/reconcile/index.ts';
import { listDeadLetters, type Worker } from '../../src/queue/index.ts';
import { createManualClock, newCallStats } from '../../src/resilience/index.ts';
import { silentLogger } from '../../src/log.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import { createWebhookWorker, emitWebhookEvent, WEBHOOK_QUEUE, type WebhookEnvelope } from '../../src/webhooks/index.ts';
import { controlSim, startSandboxDeps } from '../ingest/fixtures/sandboxDeps.ts';
import { startReceiver, verifyLikeAReceiver, type Receiver } from './receiver.ts';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const EMPTY_COUNTS = { pagesFetched: 0, recordsFetched: 0, recordsEnqueued: 0, recordsDeduped: 0, recordsInvalid: 0, recordsSanitized: 0 };

describe('webhook deliveries: real runs, a real receiver on 127.0.0.1, the queue core', () => {
  const db = useTestDb();
  let sandbox: Sandbox;
  let deps: IngestDeps;
  let app: App;
  let receiver: Receiver;
  let worker: Worker;
  const clock = createManualClock(T0);
  const box = createSecretBox(randomBytes(32));
  let key = 0;
  const idem = () => ({ 'idempotency-key': `wd-${++key}` });

  const subscribe = async (body: Record<string, unknown>) => {
    const res = await app.inject({ method: 'POST', url: '/webhook-subscriptions', headers: { ...ADMIN_HEADERS, ...idem() }, payload: body });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { id: string; secret: string };
  };
  const deliveries = async (id: string) => {
    const res = await app.inject({ method: 'GET', url: `/webhook-subscriptions/${id}/deliveries`, headers: ADMIN_HEADERS });
    assert.equal(res.statusCode, 200, res.body);
    return res.json().deliveries as Array<{ id: string; eventId: string; eventType: string; status: string; attempts: number; lastHttpStatus: number | null; lastError: string | null; deliveredAt: string | null }>;
  };
  // Claim rounds until nothing is ready (retries come back at once: the test backoff is 0).
  const deliverAll = async (w: Worker = worker) => {
    const total = { processed: 0, failed: 0, dead: 0 };
    for (let round = 0; round < 50; round++) {
      const r = await w.runOnce();
      total.processed += r.processed;
      total.failed += r.failed;
      total.dead += r.dead;
      if (r.claimed === 0) return total;
    }
    throw new Error('the webhook queue did not drain in 50 rounds');
  };
  const emitTestEvent = (connectionId = 'stripe-default') =>
    withTransaction(db.pool, (tx) => emitWebhookEvent(tx, { type: 'sync.completed', connectionId, data: { runId: 'r-test', source: 'stripe', connectionId, mode: 'incremental', status: 'success', counts: EMPTY_COUNTS } }));
  const bodies = () => receiver.received.map((r) => JSON.parse(r.body) as WebhookEnvelope);

  before(async () => {
    ({ sandbox, deps } = await startSandboxDeps(db.pool, ['stripe'], { env: { SANDBOX_STRIPE_RECORDS: '30', SANDBOX_STRIPE_SEED: '7', SANDBOX_STRIPE_POISON_RATE: '0' } }));
    db.closeLater(sandbox);
    app = db.closeLater(await buildTestApp(db.pool));
    await app.register(ingestRoutes, { pool: db.pool, connectors: deps.connectors });
    const { webhookRoutes } = await import('../../src/webhooks/index.ts');
    await app.register(webhookRoutes, { pool: db.pool, box, allowPrivateUrls: true });
    await app.ready();
    receiver = db.closeLater(await startReceiver());
    worker = createWebhookWorker({ pool: db.pool, config: { webhooks: { allowPrivateUrls: true, timeoutMs: 5000, maxAttempts: 3 } }, box, logger: silentLogger, clock, backoff: { baseMs: 0, maxMs: 0 } });
    db.onClose(() => worker.stop());
  });
  beforeEach(async () => {
    await db.pool.query('DELETE FROM webhook_subscriptions');
    await db.pool.query('DELETE FROM jobs WHERE queue = $1', [WEBHOOK_QUEUE]);
    receiver.received.length = 0;
    receiver.status = 200;
  });

  it('POST /trigger/stripe/incremental → a signed sync.completed with the run id and counts reaches the receiver; a wrong secret fails verification', async () => {
    const sub = await subscribe({ url: `${receiver.url}/hooks`, events: ['sync.completed', 'sync.failed'] });
    const accepted = await app.inject({ method: 'POST', url: '/trigger/stripe/incremental', headers: { ...ADMIN_HEADERS, ...idem() } });
    assert.equal(accepted.statusCode, 202, accepted.body);
    const { runId } = accepted.json();
    await createSyncWorker(deps).runOnce();
    const run = (await app.inject({ method: 'GET', url: `/runs/${runId}`, headers: API_HEADERS })).json();
    assert.ok(run.status === 'success' || run.status === 'partial', JSON.stringify(run));

    assert.deepEqual(await deliverAll(), { processed: 1, failed: 0, dead: 0 });
    assert.equal(receiver.received.length, 1);
    const [got] = receiver.received;
    const event = JSON.parse(got!.body) as WebhookEnvelope & { data: { runId: string; counts: Record<string, number>; status: string; source: string; mode: string } };
    assert.equal(got!.path, '/hooks');
    assert.equal(got!.headers['content-type'], 'application/json');
    assert.match(String(got!.headers['user-agent']), /^Buffalo-Webhooks\/\d+\.\d+\.\d+$/);
    assert.equal(got!.headers['buffalo-event-id'], event.id);
    assert.match(event.id, /^evt_[0-9a-f]{24}$/);
    assert.equal(event.type, 'sync.completed');
    assert.equal(event.connectionId, 'stripe-default');
    assert.deepEqual([event.data.runId, event.data.source, event.data.mode, event.data.status], [runId, 'stripe', 'incremental', run.status]);
    assert.ok(run.recordsFetched > 0, 'the run fetched records');
    assert.deepEqual(event.data.counts, {
      pagesFetched: run.pagesFetched, recordsFetched: run.recordsFetched, recordsEnqueued: run.recordsEnqueued,
      recordsDeduped: run.recordsDeduped, recordsInvalid: run.recordsInvalid, recordsSanitized: run.recordsSanitized,
    });
    const signature = String(got!.headers['buffalo-signature']);
    assert.match(signature, new RegExp(`^t=${Math.floor(T0 / 1000)},v1=[0-9a-f]{64}$`), 'timestamp from the injected clock');
    assert.equal(verifyLikeAReceiver(sub.secret, signature, got!.body), true, 'verifies with the secret shown at creation');
    assert.equal(verifyLikeAReceiver(`whsec_${randomBytes(32).toString('base64url')}`, signature, got!.body), false, 'a wrong secret fails');
    assert.equal(verifyLikeAReceiver(sub.secret, signature, got!.body.replace(runId, 'tampered')), false, 'a changed body fails');

    const [d] = await deliveries(sub.id);
    assert.deepEqual([d!.status, d!.attempts, d!.lastHttpStatus, d!.eventId, d!.eventType], ['delivered', 1, 200, event.id, 'sync.completed']);
    assert.ok(d!.deliveredAt);
  });

  it('a failing run (the simulator answers 503 to everything) sends sync.failed with its error', async () => {
    await subscribe({ url: `${receiver.url}/hooks`, events: ['sync.failed'] });
    await controlSim(sandbox, 'stripe', '/__sandbox/faults', { errorRate: 1 });
    try {
      const accepted = await app.inject({ method: 'POST', url: '/trigger/stripe/incremental', headers: { ...ADMIN_HEADERS, ...idem() } });
      await createSyncWorker(deps).runOnce();
      const run = (await app.inject({ method: 'GET', url: `/runs/${accepted.json().runId}`, headers: API_HEADERS })).json();
      assert.equal(run.status, 'failed', JSON.stringify(run));
      await deliverAll();
      const [event] = bodies() as Array<WebhookEnvelope & { data: { runId: string; status: string; error?: string } }>;
      assert.equal(bodies().length, 1);
      assert.equal(event!.type, 'sync.failed');
      assert.equal(event!.data.runId, run.runId);
      assert.equal(event!.data.status, 'failed');
      assert.equal(event!.data.error, run.error);
    } finally {
      await controlSim(sandbox, 'stripe', '/__sandbox/faults', { errorRate: 0 });
    }
  });

  it('a receiver answering 500 gets retried (attempts counted), then the delivery is a dead letter; a DLQ replay re-sends it, freshly signed, once the receiver answers 200', async () => {
    const sub = await subscribe({ url: `${receiver.url}/flaky`, events: ['sync.completed'] });
    receiver.status = 500;
    const eventId = await emitTestEvent();
    assert.ok(eventId);
    assert.deepEqual(await deliverAll(), { processed: 0, failed: 2, dead: 1 });
    assert.equal(receiver.received.length, 3, 'WEBHOOK_MAX_ATTEMPTS=3 attempts');
    const [d] = await deliveries(sub.id);
    assert.deepEqual([d!.status, d!.attempts, d!.lastHttpStatus], ['dead', 3, 500]);
    assert.match(d!.lastError!, /^HTTP 500: receiver says no/);
    assert.equal(d!.lastError!.includes('whsec_'), false, 'the excerpt is scrubbed');
    assert.equal(d!.lastError!.includes('\u0000'), false);

    const dead = (await listDeadLetters(db.pool, { queue: WEBHOOK_QUEUE })).items;
    assert.equal(dead.length, 1);
    assert.deepEqual(dead[0]!.payload, { deliveryId: d!.id, subscriptionId: sub.id, eventId, connectionId: 'stripe-default' });
    // WEBHOOK_MAX_ATTEMPTS (3 here) is below the queue's ceiling: the worker ends the job itself.
    assert.equal(dead[0]!.reason, 'permanent');
    assert.match(dead[0]!.error.message, /^gave up after 3 attempts: HTTP 500/);
    const firstSignature = String(receiver.received[0]!.headers['buffalo-signature']);

    receiver.status = 200;
    await clock.advance(90_000);
    const replay = await app.inject({ method: 'POST', url: `/dlq/${dead[0]!.id}/replay`, headers: { ...ADMIN_HEADERS, ...idem() } });
    assert.equal(replay.statusCode, 200, replay.body);
    assert.deepEqual(await deliverAll(), { processed: 1, failed: 0, dead: 0 });
    assert.equal(receiver.received.length, 4);
    const last = receiver.received[3]!;
    assert.equal(last.body, receiver.received[0]!.body, 'the same event body');
    assert.notEqual(String(last.headers['buffalo-signature']), firstSignature, 'a fresh timestamp and signature');
    assert.match(String(last.headers['buffalo-signature']), new RegExp(`^t=${Math.floor((T0 + 90_000) / 1000)},`));
    assert.equal(verifyLikeAReceiver(sub.secret, last.headers['buffalo-signature'], last.body), true);
    const [after] = await deliveries(sub.id);
    assert.deepEqual([after!.status, after!.attempts, after!.lastHttpStatus, after!.lastError], ['delivered', 4, 200, null]);
  });

  it('a receiver that never answers times out: the attempt fails with a clear error and, at the last attempt, the delivery is dead', async () => {
    const sub = await subscribe({ url: `${receiver.url}/slow`, events: ['sync.completed'] });
    receiver.status = 0;
    const impatient = createWebhookWorker({ pool: db.pool, config: { webhooks: { allowPrivateUrls: true, timeoutMs: 200, maxAttempts: 1 } }, box, logger: silentLogger, clock, backoff: { baseMs: 0, maxMs: 0 } });
    try {
      await emitTestEvent();
      assert.deepEqual(await deliverAll(impatient), { processed: 0, failed: 0, dead: 1 });
    } finally {
      await impatient.stop();
    }
    const [d] = await deliveries(sub.id);
    assert.deepEqual([d!.status, d!.attempts, d!.lastHttpStatus, d!.lastError], ['dead', 1, null, 'timed out waiting for the receiver']);
  });

  it('410 Gone fails the delivery at once and disables the subscription (later events are not delivered to it)', async () => {
    const sub = await subscribe({ url: `${receiver.url}/gone`, events: ['sync.completed'] });
    receiver.status = 410;
    await emitTestEvent();
    assert.deepEqual(await deliverAll(), { processed: 0, failed: 0, dead: 1 });
    const view = (await app.inject({ method: 'GET', url: `/webhook-subscriptions/${sub.id}`, headers: ADMIN_HEADERS })).json();
    assert.equal(view.status, 'disabled');
    assert.match(view.statusReason, /410 Gone/);
    assert.equal(await emitTestEvent(), null, 'a disabled subscription matches nothing');
    assert.equal(receiver.received.length, 1);
  });

  it('connectionId narrows a subscription to that connection; a subscription without one gets every connection\'s events; other event types go nowhere', async () => {
    const hubspotOnly = await subscribe({ url: `${receiver.url}/hubspot`, events: ['sync.completed'], connectionId: 'hubspot-default' });
    const stripeOnly = await subscribe({ url: `${receiver.url}/stripe`, events: ['sync.completed'], connectionId: 'stripe-default' });
    const all = await subscribe({ url: `${receiver.url}/all`, events: ['sync.completed'] });
    const failuresOnly = await subscribe({ url: `${receiver.url}/failures`, events: ['sync.failed'] });
    await emitTestEvent('stripe-default');
    await deliverAll();
    assert.deepEqual(receiver.received.map((r) => r.path).sort(), ['/all', '/stripe']);
    assert.equal((await deliveries(hubspotOnly.id)).length, 0);
    assert.equal((await deliveries(failuresOnly.id)).length, 0);
    assert.equal((await deliveries(stripeOnly.id)).length, 1);
    assert.equal((await deliveries(all.id)).length, 1);
  });

  it('deleting a subscription drops its pending deliveries: nothing is sent', async () => {
    const sub = await subscribe({ url: `${receiver.url}/deleted`, events: ['sync.completed'] });
    await emitTestEvent();
    assert.equal((await deliveries(sub.id))[0]!.status, 'pending');
    const del = await app.inject({ method: 'DELETE', url: `/webhook-subscriptions/${sub.id}`, headers: { ...ADMIN_HEADERS, ...idem() } });
    assert.equal(del.statusCode, 204);
    assert.deepEqual(await deliverAll(), { processed: 1, failed: 0, dead: 0 }, 'the job is acknowledged as dropped');
    assert.equal(receiver.received.length, 0);
    assert.equal((await db.pool.query('SELECT 1 FROM webhook_deliveries WHERE subscription_id = $1', [sub.id])).rowCount, 0);
  });

  it('the event is written in the transaction that ends the run: a rolled-back finish emits nothing, a committed one emits one', async () => {
    const sub = await subscribe({ url: `${receiver.url}/tx`, events: ['sync.completed'] });
    const runId = await insertRun(db.pool, { source: 'stripe', connectionId: 'stripe-default', entity: '*', mode: 'incremental', status: 'running', trigger: 'test' });
    const progress = newRunProgress(newCallStats());
    await assert.rejects(
      withTransaction(db.pool, async (tx) => {
        await finishRun(tx, runId, progress, 'success', null);
        assert.equal((await tx.query('SELECT 1 FROM webhook_deliveries WHERE subscription_id = $1', [sub.id])).rowCount, 1, 'written inside the transaction');
        throw new Error('roll it back');
      }),
      /roll it back/,
    );
    assert.equal((await db.pool.query('SELECT 1 FROM webhook_deliveries')).rowCount, 0);
    assert.equal((await db.pool.query('SELECT 1 FROM jobs WHERE queue = $1', [WEBHOOK_QUEUE])).rowCount, 0);
    assert.equal((await db.pool.query('SELECT status FROM sync_runs WHERE id = $1', [runId])).rows[0].status, 'running');

    await withTransaction(db.pool, (tx) => finishRun(tx, runId, progress, 'success', null));
    await deliverAll();
    assert.deepEqual(bodies().map((b) => [b.type, (b.data as { runId: string }).runId]), [['sync.completed', runId]]);
  });

  it('at delivery, a host resolving to a loopback address (localhost), or a loopback literal, is refused when private URLs are not allowed: the delivery fails at once, nothing is sent', async () => {
    // Created while private URLs were allowed; the worker of a production-like config refuses them.
    const byName = await subscribe({ url: `http://localhost:${receiver.port}/rebound`, events: ['sync.completed'] });
    const literal = await subscribe({ url: `http://[::ffff:127.0.0.1]:${receiver.port}/literal`, events: ['sync.completed'] });
    const strict = createWebhookWorker({ pool: db.pool, config: { webhooks: { allowPrivateUrls: false, timeoutMs: 5000, maxAttempts: 3 } }, box, logger: silentLogger, clock, backoff: { baseMs: 0, maxMs: 0 } });
    try {
      await emitTestEvent();
      assert.deepEqual(await deliverAll(strict), { processed: 0, failed: 0, dead: 2 });
    } finally {
      await strict.stop();
    }
    assert.equal(receiver.received.length, 0, 'no request reached the receiver');
    const [d] = await deliveries(byName.id);
    assert.deepEqual([d!.status, d!.attempts, d!.lastHttpStatus], ['dead', 1, null]);
    assert.match(d!.lastError!, /localhost resolves only to private or reserved addresses/);
    const [l] = await deliveries(literal.id);
    // The URL parser writes the mapped address in hex.
    assert.match(l!.lastError!, /^::ffff:7f00:1 is a private, loopback/);
    const dead = (await listDeadLetters(db.pool, { queue: WEBHOOK_QUEUE })).items.filter((x) => (x.payload as { subscriptionId: string }).subscriptionId === byName.id);
    assert.equal(dead[0]!.reason, 'permanent');
  });

  it('a finished reconciliation sends reconciliation.completed with its id and counts', async () => {
    await subscribe({ url: `${receiver.url}/reconcile`, events: ['reconciliation.completed'] });
    const r = await runReconciliation(deps, { source: 'stripe' });
    assert.equal(r.status, 'done', r.error ?? '');
    await deliverAll();
    assert.equal(receiver.received.length, 1);
    const [event] = bodies();
    assert.equal(event!.type, 'reconciliation.completed');
    assert.equal(event!.connectionId, 'stripe-default');
    const res = r.result!;
    assert.deepEqual(event!.data, {
      reconciliationId: r.reconciliationId, source: 'stripe', connectionId: 'stripe-default', repair: false,
      counts: { missing: res.missing.count, extra: res.extra.count, different: res.different.count, pending: res.pending, upstreamRows: res.upstreamRows, storedRows: res.storedRows },
    });
  });

  it('deliveries page newest first with a cursor', async () => {
    const sub = await subscribe({ url: `${receiver.url}/pages`, events: ['sync.completed'] });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await emitTestEvent())!);
    const first = (await app.inject({ method: 'GET', url: `/webhook-subscriptions/${sub.id}/deliveries?limit=2`, headers: ADMIN_HEADERS })).json();
    assert.deepEqual(first.deliveries.map((d: { eventId: string }) => d.eventId), [ids[2], ids[1]]);
    assert.ok(first.nextCursor);
    const second = (await app.inject({ method: 'GET', url: `/webhook-subscriptions/${sub.id}/deliveries?limit=2&cursor=${first.nextCursor}`, headers: ADMIN_HEADERS })).json();
    assert.deepEqual(second.deliveries.map((d: { eventId: string }) => d.eventId), [ids[0]]);
    assert.equal(second.nextCursor, null);
  });
});
