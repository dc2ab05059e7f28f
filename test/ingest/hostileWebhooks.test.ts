import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { resolveConfig } from '../../src/config.ts';
import { createConnectors } from '../../src/connectors/index.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { App } from '../../src/http/index.ts';
import { listDeadLetters } from '../../src/queue/index.ts';
import { stripeWebhookRoutes, INGEST_QUEUE, type IngestDeps, type IngestJobPayload } from '../../src/ingest/index.ts';
import { silentLogger } from '../../src/log.ts';
import { drainOutbox } from './fixtures/support.ts';

const SECRET = 'whsec_test_hostile_0123456789';
const BODY_LIMIT = 256 * 1024;

// Event JSON written by hand, so escapes PostgreSQL rejects (\u0000, unpaired \ud83d) reach the
// endpoint exactly as an upstream would send them.
function chargeEventJson(eventId: string, chargeId: string, description: string, extra = ''): string {
  const now = Math.floor(Date.now() / 1000);
  return `{"id":"${eventId}","object":"event","type":"charge.succeeded","created":${now},"data":{"object":{"id":"${chargeId}","object":"charge","amount":4200,"amount_refunded":0,"captured":true,"refunded":false,"currency":"usd","status":"succeeded","created":${now},"customer":"cus_1","description":"${description}"${extra}}}}`;
}

describe('Stripe webhooks with hostile content (real HTTP, real PostgreSQL, real Stripe normalizer)', () => {
  const db = useTestDb();
  let app: App;
  let url: string;
  let deps: IngestDeps;
  before(async () => {
    app = db.closeLater(await buildTestApp(db.pool, { bodyLimitBytes: BODY_LIMIT }));
    await app.register(stripeWebhookRoutes, { pool: db.pool, webhookSecret: SECRET });
    url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/webhooks/stripe`;
    const config = resolveConfig({ NODE_ENV: 'test', STRIPE_API_KEY: 'sk_test_hostile', STRIPE_WEBHOOK_SECRET: SECRET });
    deps = { pool: db.pool, config, logger: silentLogger, connectors: createConnectors(config, { logger: silentLogger }) };
  });

  const post = async (body: string) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET }) },
      body,
    });
    return { status: res.status, body: await res.text() };
  };
  const paymentOf = async (id: string) => (await db.pool.query('SELECT external_id, amount_cents FROM payments WHERE external_id = $1', [id])).rows[0];

  it('NUL in a field and in the event id: 200, stored with U+FFFD, the replacement recorded on the event', async () => {
    const body = chargeEventJson('evt_nul\\u0000id', 'ch_nul', 'Pro plan\\u0000\\u0000 for Ada', ',"metadata":{"note\\u0000key":"x"}');
    for (let i = 0; i < 2; i++) {
      const res = await post(body);
      assert.equal(res.status, 200, `delivery ${i + 1}: ${res.body}`);
    }
    const ev = await db.pool.query('SELECT event_id, sanitized FROM webhook_events WHERE event_id LIKE $1', ['evt_nul%']);
    assert.equal(ev.rows.length, 1, 'a redelivery is a duplicate');
    assert.equal(ev.rows[0].event_id, 'evt_nul\uFFFDid');
    assert.equal(ev.rows[0].sanitized.nul, 5, 'event id (twice: record id and payload id), two in the description, one in a key');
    assert.ok(ev.rows[0].sanitized.paths.includes('$.payload.data.object.description'), JSON.stringify(ev.rows[0].sanitized));
    const job = (await db.pool.query<{ payload: IngestJobPayload }>('SELECT payload FROM jobs WHERE queue = $1', [INGEST_QUEUE])).rows.find((j) => j.payload.externalId.startsWith('evt_nul'));
    assert.ok(job?.payload.sanitized, 'the outbox job says what was replaced');
    assert.equal((job.payload.payload as { data: { object: { description: string } } }).data.object.description, 'Pro plan\uFFFD\uFFFD for Ada');
    await drainOutbox(deps);
    assert.deepEqual(await paymentOf('ch_nul'), { external_id: 'ch_nul', amount_cents: '4200' });
  });

  it('unpaired surrogates (high and low, in a value and in the charge id): 200 and stored', async () => {
    const res = await post(chargeEventJson('evt_surrogate', 'ch_sur\\udc00', 'Grace \\ud83d Hopper \\ud83d\\ude00 ok'));
    assert.equal(res.status, 200, res.body);
    await drainOutbox(deps);
    assert.deepEqual(await paymentOf('ch_sur\uFFFD'), { external_id: 'ch_sur\uFFFD', amount_cents: '4200' });
    const ev = await db.pool.query('SELECT sanitized FROM webhook_events WHERE event_id = $1', ['evt_surrogate']);
    assert.equal(ev.rows[0].sanitized.loneSurrogates, 2, 'the valid pair (an emoji) is not counted or changed');
  });

  it('10,000-deep JSON: 200, dead-lettered on its own with the reason and its raw JSON; the next event is stored', async () => {
    const depth = 10_000;
    const deep = `${'['.repeat(depth)}"bottom"${']'.repeat(depth)}`;
    const res = await post(chargeEventJson('evt_deep', 'ch_deep', 'deep', `,"metadata":{"deep":${deep}}`));
    assert.equal(res.status, 200, res.body);
    assert.equal((await post(chargeEventJson('evt_after_deep', 'ch_after_deep', 'fine'))).status, 200);
    const again = await post(chargeEventJson('evt_deep', 'ch_deep', 'deep', `,"metadata":{"deep":${deep}}`));
    assert.equal(again.status, 200, 'a redelivery is acknowledged too');
    await drainOutbox(deps);
    assert.equal(await paymentOf('ch_deep'), undefined);
    assert.ok(await paymentOf('ch_after_deep'), 'the event behind it is stored');
    const dead = (await listDeadLetters(db.pool, { queue: INGEST_QUEUE })).items.filter((d) => (d.payload as IngestJobPayload).externalId === 'evt_deep');
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.reason, 'permanent');
    assert.match(dead[0]!.error.message, /nested more than 64 levels deep/);
    const p = dead[0]!.payload as IngestJobPayload;
    const raw = p.unstorable?.rawJson ?? '';
    assert.ok(raw.startsWith('{"id":"evt_deep"') && raw.includes(`{"deep":${deep}}`), 'the raw JSON is kept whole');
  });

  it('an id longer than 255 characters is dead-lettered with the reason; a body over the limit is a 413; no id is a 400', async () => {
    const longId = `evt_${'x'.repeat(5000)}`;
    assert.equal((await post(chargeEventJson(longId, 'ch_long', 'x'))).status, 200);
    await drainOutbox(deps);
    const dead = (await listDeadLetters(db.pool, { queue: INGEST_QUEUE })).items.filter((d) => (d.payload as IngestJobPayload).externalId.startsWith('evt_xxx'));
    assert.equal(dead.length, 1);
    assert.match(dead[0]!.error.message, /id is 5004 characters long \(the limit is 255\)/);

    const huge = await post(chargeEventJson('evt_huge', 'ch_huge', 'y'.repeat(BODY_LIMIT)));
    assert.equal(huge.status, 413, huge.body);
    assert.equal(JSON.parse(huge.body).error, 'payload_too_large');
    const noId = await post('["not", "an", "event"]');
    assert.equal(noId.status, 400, noId.body);
    assert.match(JSON.parse(noId.body).message, /id/);
  });

  it('100k-character strings, emoji, RTL marks and markup are stored unchanged and not reported as sanitized', async () => {
    const text = `${'🦬'.repeat(10)} \u202Eשלום\u202C <script>alert("x")</script> ${'z'.repeat(100_000)}`;
    const res = await post(chargeEventJson('evt_valid_hostile', 'ch_valid_hostile', JSON.stringify(text).slice(1, -1)));
    assert.equal(res.status, 200, res.body);
    const ev = await db.pool.query('SELECT sanitized FROM webhook_events WHERE event_id = $1', ['evt_valid_hostile']);
    assert.equal(ev.rows[0].sanitized, null);
    const job = (await db.pool.query<{ payload: IngestJobPayload }>('SELECT payload FROM jobs WHERE queue = $1', [INGEST_QUEUE])).rows.find((j) => j.payload.externalId === 'evt_valid_hostile');
    assert.equal((job!.payload.payload as { data: { object: { description: string } } }).data.object.description, text);
    await drainOutbox(deps);
    assert.ok(await paymentOf('ch_valid_hostile'));
  });
});
