import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { useTestDb } from '../helpers/testResources.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { App } from '../../src/http/index.ts';
import { stripeEventVersion, type Connector } from '../../src/connectors/index.ts';
import { stripeWebhookRoutes, INGEST_QUEUE } from '../../src/ingest/index.ts';
import { drainOutbox, testDeps } from './fixtures/support.ts';

const SECRET = 'whsec_test_0123456789abcdef';

// Upstream double: reads a charge out of a Stripe event.
const stripeDouble: Connector = {
  source: 'stripe',
  streams: [],
  normalize(entity, payload) {
    const e = payload as { created: number; data: { object: { id: string; amount: number; currency: string; created: number } } };
    const c = e.data.object;
    return [{ table: 'payments', row: { source: 'stripe', externalId: c.id, kind: 'charge', status: 'COLLECTED', rawStatus: 'succeeded', amountCents: String(c.amount), refundedCents: '0', currency: c.currency.toUpperCase(), occurredAt: new Date(c.created * 1000).toISOString(), customerRef: null, parentExternalId: null, sourceUpdatedAt: new Date(e.created * 1000).toISOString() } }];
  },
};

function event(id: string, chargeId: string) {
  const now = Math.floor(Date.now() / 1000);
  return JSON.stringify({ id, object: 'event', type: 'charge.succeeded', created: now, data: { object: { id: chargeId, object: 'charge', amount: 4200, currency: 'usd', created: now } } });
}

function signed(payload: string, opts: { secret?: string; timestamp?: number } = {}) {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? SECRET, ...(opts.timestamp ? { timestamp: opts.timestamp } : {}) });
}

describe('Stripe webhooks', () => {
  const db = useTestDb();
  let app: App;
  before(async () => {
    app = db.closeLater(await buildTestApp(db.pool));
    await app.register(stripeWebhookRoutes, { pool: db.pool, webhookSecret: SECRET });
    // A JSON route outside the plugin: the raw-body parser must not leak to it.
    app.post('/echo', async (request) => ({ body: request.body }));
    await app.ready();
  });

  const post = (payload: string, signature?: string) =>
    app.inject({ method: 'POST', url: '/webhooks/stripe', payload, headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) } });

  it('a forged signature is refused with 400 webhook_signature_invalid and nothing is stored', async () => {
    const body = event('evt_forged', 'ch_forged');
    for (const sig of [signed(body, { secret: 'whsec_not_the_right_one' }), 't=1,v1=deadbeef', undefined]) {
      const res = await post(body, sig);
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error, 'webhook_signature_invalid');
      assert.equal(typeof res.json().message, 'string');
    }
    // A body altered after signing fails too (the raw bytes are what is verified).
    const res = await post(body.replace('4200', '4201'), signed(body));
    assert.equal(res.json().error, 'webhook_signature_invalid');
    const { rows } = await db.pool.query('SELECT 1 FROM webhook_events');
    assert.equal(rows.length, 0);
  });

  it('an expired signature (older than 300 s) is refused', async () => {
    const body = event('evt_old', 'ch_old');
    const res = await post(body, signed(body, { timestamp: Math.floor(Date.now() / 1000) - 301 }));
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error, 'webhook_signature_invalid');
  });

  it('a valid event gets 200 {"received":true}; the same event delivered 10 times (concurrently) is stored once', async () => {
    const body = event('evt_1', 'ch_1');
    const responses = await Promise.all(Array.from({ length: 10 }, () => post(body, signed(body))));
    for (const r of responses) {
      assert.equal(r.statusCode, 200);
      assert.equal(r.body, '{"received":true}');
    }
    const events = await db.pool.query('SELECT event_id FROM webhook_events');
    assert.deepEqual(events.rows, [{ event_id: 'evt_1' }]);
    const jobs = await db.pool.query('SELECT payload FROM jobs WHERE queue = $1', [INGEST_QUEUE]);
    assert.equal(jobs.rows.length, 1, 'enqueued once into the ingest outbox');
    assert.deepEqual({ ...jobs.rows[0].payload, payload: undefined, hash: undefined, version: undefined }, { source: 'stripe', connectionId: 'stripe-default', entity: 'event', externalId: 'evt_1', runId: null, payload: undefined, hash: undefined, version: undefined });
    const sent = JSON.parse(body) as { created: number };
    assert.equal(jobs.rows[0].payload.version, stripeEventVersion(sent.created, 'evt_1'), 'the event carries its version (created + id)');
    await drainOutbox(testDeps(db.pool, [stripeDouble]));
    const payments = await db.pool.query('SELECT external_id, amount_cents FROM payments');
    assert.deepEqual(payments.rows, [{ external_id: 'ch_1', amount_cents: '4200' }]);
  });

  it('other routes keep the normal JSON parser', async () => {
    const res = await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    assert.deepEqual(res.json(), { body: { a: 1 } });
  });
});
