import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { useTestDb } from '../helpers/testResources.ts';
import { ADMIN_HEADERS, API_HEADERS, buildTestApp, TEST_KEYS } from '../helpers/app.ts';
import { requireAdminKey, requireApiKey, requireIdempotencyKey, type App } from '../../src/http/index.ts';
import { createPool } from '../../src/db/index.ts';
import { AppError } from '../../src/errors.ts';

describe('HTTP conventions', () => {
  const db = useTestDb({ poolMax: 30 });
  let app: App;
  let executions = 0;
  before(async () => {
    app = db.closeLater(await buildTestApp(db.pool, { bodyLimitBytes: 4096 }));
    app.get('/probe', { preHandler: requireApiKey }, async () => ({ ok: true }));
    app.get('/admin-probe', { preHandler: requireAdminKey }, async () => ({ ok: true }));
    app.post(
      '/things',
      {
        preHandler: [requireApiKey, requireIdempotencyKey],
        schema: { body: z.object({ name: z.string().min(1), qty: z.number().int().positive() }).strict() },
      },
      async (request, reply) => {
        executions++;
        await new Promise((r) => setTimeout(r, 30));
        if (request.body.name === 'explode') throw new Error('handler bug');
        if (request.body.name === 'missing') throw new AppError('not_found', 'no such thing');
        return reply.code(201).send({ id: executions, name: request.body.name });
      },
    );
    await app.ready();
  });

  it('rejects missing, wrong, short and long API keys with 401 unauthorized', async () => {
    const k = TEST_KEYS.apiKey;
    for (const key of [undefined, 'nope', k.slice(0, -1), `${k}x`, k.toUpperCase(), '']) {
      const res = await app.inject({ method: 'GET', url: '/probe', headers: key === undefined ? {} : { 'x-api-key': key } });
      assert.equal(res.statusCode, 401, `key ${JSON.stringify(key)}`);
      assert.deepEqual(res.json(), { error: 'unauthorized', message: 'missing or invalid X-Api-Key header' });
    }
    assert.equal((await app.inject({ method: 'GET', url: '/probe', headers: API_HEADERS })).statusCode, 200);
  });

  it('admin endpoints need the admin key; the API key is not enough', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/admin-probe', headers: API_HEADERS })).statusCode, 401);
    assert.equal((await app.inject({ method: 'GET', url: '/admin-probe', headers: ADMIN_HEADERS })).statusCode, 200);
  });

  it('every response carries x-request-id, echoing a valid incoming one', async () => {
    const a = await app.inject({ method: 'GET', url: '/healthz' });
    assert.match(String(a.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    const b = await app.inject({ method: 'GET', url: '/nowhere', headers: { 'x-request-id': 'abc-123' } });
    assert.equal(b.headers['x-request-id'], 'abc-123');
    assert.equal(b.statusCode, 404);
    assert.equal(b.json().error, 'not_found');
  });

  it('malformed JSON is 400 malformed_json, an oversized body 413, a bad field 400 naming it — never 500', async () => {
    const headers = { ...API_HEADERS, 'content-type': 'application/json', 'idempotency-key': 'k-bad' };
    const malformed = await app.inject({ method: 'POST', url: '/things', headers, payload: '{"name": ' });
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().error, 'malformed_json');
    const big = await app.inject({ method: 'POST', url: '/things', headers, payload: JSON.stringify({ name: 'x'.repeat(10_000), qty: 1 }) });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().error, 'payload_too_large');
    const bad = await app.inject({ method: 'POST', url: '/things', headers: { ...headers, 'idempotency-key': 'k-bad2' }, payload: { name: 'a', qty: -1 } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error, 'validation_failed');
    assert.equal(bad.json().field, 'qty');
    const unknown = await app.inject({ method: 'POST', url: '/things', headers: { ...headers, 'idempotency-key': 'k-bad3' }, payload: { name: 'a', qty: 1, colour: 'red' } });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().field, 'colour', 'an unknown key is named');
  });

  it('a mutating route without Idempotency-Key is 400 idempotency_key_required', async () => {
    const res = await app.inject({ method: 'POST', url: '/things', headers: API_HEADERS, payload: { name: 'a', qty: 1 } });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error, 'idempotency_key_required');
  });

  it('100 concurrent requests with one Idempotency-Key execute once; the rest replay or get 409', async () => {
    const before = executions;
    const headers = { ...API_HEADERS, 'idempotency-key': 'same-key-100' };
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => app.inject({ method: 'POST', url: '/things', headers, payload: { name: 'widget', qty: 2 } })),
    );
    assert.equal(executions - before, 1, 'handler ran exactly once');
    const created = responses.filter((r) => r.statusCode === 201);
    const inUse = responses.filter((r) => r.statusCode === 409);
    assert.equal(created.length + inUse.length, 100, `statuses: ${[...new Set(responses.map((r) => r.statusCode))]}`);
    assert.ok(created.length >= 1);
    for (const r of created) assert.deepEqual(r.json(), created[0]!.json());
    for (const r of inUse) assert.equal(r.json().error, 'idempotency_key_in_use');
    // After completion every retry replays the stored response.
    const replay = await app.inject({ method: 'POST', url: '/things', headers, payload: { name: 'widget', qty: 2 } });
    assert.equal(replay.statusCode, 201);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.deepEqual(replay.json(), created[0]!.json());
    assert.equal(executions - before, 1);
  });

  it('the same key with a different request is 422 idempotency_key_reused', async () => {
    const headers = { ...API_HEADERS, 'idempotency-key': 'key-422' };
    assert.equal((await app.inject({ method: 'POST', url: '/things', headers, payload: { name: 'a', qty: 1 } })).statusCode, 201);
    const res = await app.inject({ method: 'POST', url: '/things', headers, payload: { name: 'b', qty: 1 } });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().error, 'idempotency_key_reused');
  });

  it('4xx responses are stored and replayed; a 5xx releases the key for a retry', async () => {
    const h404 = { ...API_HEADERS, 'idempotency-key': 'key-404' };
    const first = await app.inject({ method: 'POST', url: '/things', headers: h404, payload: { name: 'missing', qty: 1 } });
    assert.equal(first.statusCode, 404);
    const again = await app.inject({ method: 'POST', url: '/things', headers: h404, payload: { name: 'missing', qty: 1 } });
    assert.equal(again.statusCode, 404);
    assert.equal(again.headers['idempotent-replayed'], 'true');

    const h500 = { ...API_HEADERS, 'idempotency-key': 'key-500' };
    const boom = await app.inject({ method: 'POST', url: '/things', headers: h500, payload: { name: 'explode', qty: 1 } });
    assert.equal(boom.statusCode, 500);
    assert.deepEqual(boom.json(), { error: 'internal_error', message: 'internal error' });
    const { rows } = await db.pool.query("SELECT status FROM idempotency_keys WHERE key = 'key-500'");
    assert.deepEqual(rows, [{ status: 'released' }], 'the key was released (kept, so a retry keeps its effect key)');
    const retry = await app.inject({ method: 'POST', url: '/things', headers: h500, payload: { name: 'fine', qty: 1 } });
    assert.equal(retry.statusCode, 201, 'a released key is free again, even for a different request');
  });

  it('keys expire after 24 h: an expired key starts a fresh execution', async () => {
    const headers = { ...API_HEADERS, 'idempotency-key': 'key-expire' };
    await app.inject({ method: 'POST', url: '/things', headers, payload: { name: 'a', qty: 1 } });
    await db.pool.query("UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'key-expire'");
    const before = executions;
    const res = await app.inject({ method: 'POST', url: '/things', headers, payload: { name: 'different', qty: 1 } });
    assert.equal(res.statusCode, 201);
    assert.equal(executions - before, 1);
  });

  it('an abandoned in-flight claim (lease past) is taken over by the same request only', async () => {
    const headers = { ...API_HEADERS, 'idempotency-key': 'key-abandoned' };
    const payload = { name: 'abandoned', qty: 1 };
    // A claim whose process died mid-request: in flight, lease still running → 409.
    const first = await app.inject({ method: 'POST', url: '/things', headers, payload });
    assert.equal(first.statusCode, 201);
    await db.pool.query("UPDATE idempotency_keys SET status = 'in_flight', response_code = NULL, response_body = NULL, locked_until = now() + interval '1 minute' WHERE key = 'key-abandoned'");
    const live = await app.inject({ method: 'POST', url: '/things', headers, payload });
    assert.equal(live.statusCode, 409);
    assert.equal(live.json().error, 'idempotency_key_in_use');
    // Lease past: a different request is still refused; the same request takes the key over and runs.
    await db.pool.query("UPDATE idempotency_keys SET locked_until = now() - interval '1 second' WHERE key = 'key-abandoned'");
    const other = await app.inject({ method: 'POST', url: '/things', headers, payload: { name: 'other', qty: 1 } });
    assert.equal(other.statusCode, 422);
    const before = executions;
    const retried = await app.inject({ method: 'POST', url: '/things', headers, payload });
    assert.equal(retried.statusCode, 201);
    assert.equal(executions - before, 1, 'the retry ran the handler');
    const { rows } = await db.pool.query("SELECT status, response_code FROM idempotency_keys WHERE key = 'key-abandoned'");
    assert.deepEqual(rows, [{ status: 'done', response_code: 201 }]);
  });

  it('serves the OpenAPI 3.1 document with the routes and a docs UI', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/things'].post.requestBody, 'body schema from zod is in the document');
    const ui = await app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(ui.statusCode, 200);
    assert.match(ui.body, /swagger/i);
  });

  it('/readyz is 200 with DB latency while the database answers', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().checks.db.ok, true);
    assert.equal(typeof res.json().checks.db.latencyMs, 'number');
  });

  it('/readyz is 503 when the database is unreachable', async () => {
    const deadPool = createPool('postgres://postgres:x@127.0.0.1:1/none', { max: 1 });
    const deadApp = await buildTestApp(deadPool);
    try {
      const res = await deadApp.inject({ method: 'GET', url: '/readyz' });
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().status, 'unavailable');
      assert.equal(res.json().checks.db.ok, false);
    } finally {
      await deadApp.close();
      await deadPool.end();
    }
  });

  it('a request that fails because the database is unreachable gets 503 database_unavailable, not 500', async () => {
    const deadPool = createPool('postgres://postgres:x@127.0.0.1:1/none', { max: 1 });
    const deadApp = await buildTestApp(deadPool);
    deadApp.get('/needs-db', async () => (await deadPool.query('SELECT 1')).rows);
    try {
      const res = await deadApp.inject({ method: 'GET', url: '/needs-db' });
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().error, 'database_unavailable');
    } finally {
      await deadApp.close();
      await deadPool.end();
    }
  });

  it('/metrics serves Prometheus exposition', async () => {
    await app.inject({ method: 'GET', url: '/healthz' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /buffalo_http_request_duration_seconds_bucket/);
  });
});
