/**
 * API input PostgreSQL cannot store (NUL, unpaired UTF-16 surrogates) is refused with 400 naming
 * the field by the full API (as buildApi assembles it, over the Stripe and event-service
 * simulators), before any side effect: no upstream call, no Idempotency-Key claim, no row. A
 * bearer token whose subject holds one is 401. And a stored idempotent response carrying such
 * characters (upstream content) is stored and replayed rather than failing after the effect.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildApi } from '../../src/cli/start.ts';
import { resolveConfig } from '../../src/config.ts';
import { createConnectors } from '../../src/connectors/index.ts';
import { withTransaction } from '../../src/db/index.ts';
import { markIdempotentResponseStored, requireIdempotencyKey, storeIdempotentResponseIn, type App } from '../../src/http/index.ts';
import { silentLogger } from '../../src/log.ts';
import { signDevToken } from '../../src/orders/index.ts';
import { startEventServiceSimulator, type EventServiceTruth } from '../../src/sandbox/eventservice/index.ts';
import { startStripeSimulator } from '../../src/sandbox/stripe/index.ts';
import { ADMIN_HEADERS, API_HEADERS, buildTestApp } from '../helpers/app.ts';
import { useTestDb } from '../helpers/testResources.ts';

const KEYS = { API_KEY: 'hostile-input-api-key-0123456789', ADMIN_API_KEY: 'hostile-input-admin-key-0123456789' };
const JWT_SECRET = 'hostile-input-jwt-secret-0123456789abcdef';
const STRIPE_KEY = 'sk_test_hostileInputKey0123456789';
const NUL = '\u0000';
const LONE = '\uD800';
// The two characters, each as JSON.stringify writes it on the wire (`\u0000`, `\ud800`).
const BAD = [
  ['NUL', NUL],
  ['a lone surrogate', LONE],
] as const;

describe('API input PostgreSQL cannot store is refused before any side effect', () => {
  const db = useTestDb();
  let app: App;
  let stripeUrl = '';
  let eventsUrl = '';
  let n = 0;
  const admin = () => ({ 'x-admin-api-key': KEYS.ADMIN_API_KEY, 'idempotency-key': `hostile-${++n}` });
  const api = () => ({ 'x-api-key': KEYS.API_KEY, 'idempotency-key': `hostile-${++n}` });
  const count = async (table: string) => (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
  // Requests the simulator's API served (its fault counters; control routes are not counted).
  const upstreamCalls = async (url: string) => ((await (await fetch(`${url}/__sandbox/stats`)).json()) as { requests: number }).requests;
  const claimed = async (key: string) => (await db.pool.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key])).rowCount;
  // Sends a request, returns its answer and whether its Idempotency-Key was claimed.
  const send = async (req: { method: 'GET' | 'POST' | 'PATCH'; url: string; headers: Record<string, string>; body?: unknown }) => {
    const res = await app.inject({
      method: req.method,
      url: req.url,
      headers: req.body === undefined ? req.headers : { ...req.headers, 'content-type': 'application/json' },
      ...(req.body === undefined ? {} : { payload: JSON.stringify(req.body) }),
    });
    const key = req.headers['idempotency-key'];
    return { res, claimed: key ? await claimed(key) : 0 };
  };
  const assertRefused = (res: Awaited<ReturnType<typeof send>>['res'], field: string, where: string) => {
    assert.equal(res.statusCode, 400, res.body);
    const body = res.json();
    assert.equal(body.error, 'validation_failed');
    assert.equal(body.field, field, res.body);
    assert.equal(body.in, where, res.body);
    assert.match(body.message, new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}: must not contain NUL`));
  };

  before(async () => {
    const stripe = db.closeLater(await startStripeSimulator({ port: 0, apiKey: STRIPE_KEY, faults: { records: 3 } }));
    const events = db.closeLater(await startEventServiceSimulator({ knobs: { eventLatencyMs: 0, writeCycle: false } }));
    stripeUrl = stripe.url;
    eventsUrl = events.url;
    const config = resolveConfig({
      NODE_ENV: 'test',
      ...KEYS,
      JWT_SECRET,
      STRIPE_API_BASE: stripe.url,
      STRIPE_API_KEY: STRIPE_KEY,
      STRIPE_WEBHOOK_SECRET: 'whsec_hostile_input_test',
      BUFFALO_SECRET_KEY: 'ab'.repeat(32),
      EVENT_API_BASE_URL: events.url,
      INVENTORY_API_BASE_URL: 'http://127.0.0.1:9',
    });
    app = db.closeLater(await buildApi({ pool: db.pool, config, logger: silentLogger, connectors: createConnectors(config, { logger: silentLogger }) }));
    await app.ready();
  });

  for (const [what, bad] of BAD) {
    it(`POST /trigger/stripe/incremental with ${what} in the body's id: 400 naming id, no key claimed, no run, no job`, async () => {
      const [runs, jobs] = [await count('sync_runs'), await count('jobs')];
      const { res, claimed } = await send({ method: 'POST', url: '/trigger/stripe/incremental', headers: admin(), body: { id: `ch_${bad}x` } });
      assertRefused(res, 'id', 'body');
      assert.equal(claimed, 0, 'no Idempotency-Key claimed');
      assert.deepEqual([await count('sync_runs'), await count('jobs')], [runs, jobs], 'no run and no job');
    });

    it(`POST /addEvent with ${what} in name: 400 naming name, the event service never called, no key claimed`, async () => {
      const calls = await upstreamCalls(eventsUrl);
      const { res, claimed } = await send({ method: 'POST', url: '/addEvent', headers: api(), body: { name: `T${bad}`, userId: '3' } });
      assertRefused(res, 'name', 'body');
      assert.equal(claimed, 0);
      assert.equal(await upstreamCalls(eventsUrl), calls, 'no upstream call');
      const truth = (await (await fetch(`${eventsUrl}/__sandbox/truth`)).json()) as EventServiceTruth;
      assert.ok(!truth.events.some((e) => e.name.startsWith('T') && e.name.length === 2), 'no event made upstream');
    });

    it(`POST /connections with ${what} in name: 400 naming name before the upstream credential check, nothing stored`, async () => {
      const [calls, rows] = [await upstreamCalls(stripeUrl), await count('connections')];
      const { res, claimed } = await send({ method: 'POST', url: '/connections', headers: admin(), body: { provider: 'stripe', name: `n${bad}ul`, credentials: { apiKey: STRIPE_KEY } } });
      assertRefused(res, 'name', 'body');
      assert.equal(claimed, 0);
      assert.equal(await upstreamCalls(stripeUrl), calls, 'the credentials were not checked upstream');
      assert.equal(await count('connections'), rows);
    });

    it(`POST /webhook-subscriptions with ${what} in the url: 400 naming url, no subscription`, async () => {
      const rows = await count('webhook_subscriptions');
      const { res, claimed } = await send({ method: 'POST', url: '/webhook-subscriptions', headers: admin(), body: { url: `https://hooks.example.com/x${bad}`, events: ['sync.completed'] } });
      assertRefused(res, 'url', 'body');
      assert.equal(claimed, 0);
      assert.equal(await count('webhook_subscriptions'), rows);
    });

    it(`POST /api/orders with ${what} in a nested field: 400 naming items[1].productId, no key claimed, no order`, async () => {
      const token = await signDevToken(JWT_SECRET, 'cust-1');
      const orders = await count('orders');
      const items = [{ productId: 'prod_1', quantity: 1, price: 9.99 }, { productId: `prod${bad}2`, quantity: 1, price: '0.10' }];
      const { res, claimed } = await send({ method: 'POST', url: '/api/orders', headers: { authorization: `Bearer ${token}`, 'idempotency-key': `hostile-${++n}` }, body: { customerId: 'cust-1', items } });
      assertRefused(res, 'items[1].productId', 'body');
      assert.equal(claimed, 0);
      assert.equal(await count('orders'), orders);
    });

    it(`GET /api/orders/:id with a validly signed token whose sub holds ${what}: 401 like any malformed token`, async () => {
      const token = await signDevToken(JWT_SECRET, `a${bad}b`);
      const res = await app.inject({ method: 'GET', url: '/api/orders/0b7c6f3e-3d7a-4a8e-9a51-1f0f2a3b4c5d', headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.statusCode, 401, res.body);
      assert.deepEqual(res.json(), { error: 'unauthorized', message: 'invalid bearer token: claim sub malformed' });
    });
  }

  it('PATCH /connections/:id with NUL in name: 400 naming name, the connection unchanged', async () => {
    const created = await send({ method: 'POST', url: '/connections', headers: admin(), body: { provider: 'stripe', name: 'patch-me', credentials: { apiKey: STRIPE_KEY } } });
    assert.equal(created.res.statusCode, 201, created.res.body);
    const id = created.res.json().id as string;
    const { res, claimed } = await send({ method: 'PATCH', url: `/connections/${id}`, headers: admin(), body: { name: `a${NUL}` } });
    assertRefused(res, 'name', 'body');
    assert.equal(claimed, 0);
    assert.equal((await db.pool.query('SELECT name FROM connections WHERE id = $1', [id])).rows[0].name, 'patch-me');
  });

  it('GET /dlq?queue=%00: 400 naming the query parameter queue', async () => {
    const res = await app.inject({ method: 'GET', url: '/dlq?queue=%00', headers: { 'x-admin-api-key': KEYS.ADMIN_API_KEY } });
    assertRefused(res, 'queue', 'querystring');
  });

  it('GET /getEventsByUserId/:id with NUL in the id: 400 naming the route parameter id, the event service never called', async () => {
    const calls = await upstreamCalls(eventsUrl);
    const res = await app.inject({ method: 'GET', url: '/getEventsByUserId/3%00', headers: { 'x-api-key': KEYS.API_KEY } });
    assertRefused(res, 'id', 'params');
    assert.equal(await upstreamCalls(eventsUrl), calls);
  });

  it('a key holding NUL is named in braces: settings{a\uFFFD} of POST /connections', async () => {
    const { res } = await send({ method: 'POST', url: '/connections', headers: admin(), body: { provider: 'stripe', name: 'keyed', credentials: { apiKey: STRIPE_KEY }, settings: { [`a${NUL}`]: 1 } } });
    assertRefused(res, 'settings{a\uFFFD}', 'body');
  });

  it('several bad fields: field names the first in document order, issues name each', async () => {
    const { res, claimed } = await send({ method: 'POST', url: '/addEvent', headers: api(), body: { name: `T${NUL}`, userId: `3${LONE}` } });
    assertRefused(res, 'name', 'body');
    assert.deepEqual(res.json().issues.map((i: { field: string }) => i.field), ['name', 'userId']);
    assert.equal(claimed, 0);
  });

  it('authentication still comes first: an anonymous request with NUL is 401', async () => {
    const { res } = await send({ method: 'POST', url: '/addEvent', headers: { 'idempotency-key': `hostile-${++n}` }, body: { name: `T${NUL}`, userId: '3' } });
    assert.equal(res.statusCode, 401, res.body);
  });

  it('valid text — emoji, astral characters, RTL marks — passes: POST /addEvent creates the event', async () => {
    const name = '🦬 𝕳 \u202Eשלום\u202C';
    const { res } = await send({ method: 'POST', url: '/addEvent', headers: api(), body: { name, userId: '3' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().event.name, name);
  });
});

describe('an idempotent response carrying characters jsonb cannot hold is stored and replayed', () => {
  const db = useTestDb();
  let app: App;
  // What an upstream might answer: NUL and an unpaired surrogate in values and a key.
  const upstream = { name: `T${NUL}x`, note: `a${LONE}b`, nested: [{ [`k${NUL}`]: 'v' }] };
  const asStored = { name: 'T\uFFFDx', note: 'a\uFFFDb', nested: [{ 'k\uFFFD': 'v' }] };

  before(async () => {
    app = db.closeLater(await buildTestApp(db.pool));
    // One route stores its answer when sent (onSend), the other inside its transaction.
    app.post('/echo-upstream', { onRequest: async (request) => void (request.principal = 'api'), preHandler: requireIdempotencyKey }, async (_request, reply) => reply.code(201).send(upstream));
    app.post('/echo-upstream-in-tx', { onRequest: async (request) => void (request.principal = 'api'), preHandler: requireIdempotencyKey }, async (request, reply) => {
      await withTransaction(db.pool, (tx) => storeIdempotentResponseIn(tx, request, 201, upstream));
      markIdempotentResponseStored(request);
      return reply.code(201).send(upstream);
    });
    await app.ready();
  });

  for (const url of ['/echo-upstream', '/echo-upstream-in-tx']) {
    it(`${url}: the first answer is the content itself, the key is done, and a replay answers it as jsonb holds it (U+FFFD)`, async () => {
      const headers = { ...ADMIN_HEADERS, ...API_HEADERS, 'idempotency-key': `store-${url}` };
      const first = await app.inject({ method: 'POST', url, headers });
      assert.equal(first.statusCode, 201, first.body);
      assert.deepEqual(first.json(), upstream);
      const { rows } = await db.pool.query('SELECT status, response_code, response_body FROM idempotency_keys WHERE key = $1', [`store-${url}`]);
      assert.deepEqual(rows, [{ status: 'done', response_code: 201, response_body: asStored }]);
      const replay = await app.inject({ method: 'POST', url, headers });
      assert.equal(replay.statusCode, 201);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.deepEqual(replay.json(), asStored);
    });
  }
});
