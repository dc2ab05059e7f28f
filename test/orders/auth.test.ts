import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { useTestDb } from '../helpers/testResources.ts';
import { API_HEADERS } from '../helpers/app.ts';
import type { App } from '../../src/http/index.ts';
import { signDevToken } from '../../src/orders/index.ts';
import { startInventorySimulator } from '../../src/sandbox/inventory/index.ts';
import { buildOrderApp, countRows, inventoryRequests, TEST_JWT_SECRET } from './support.ts';

const key = new TextEncoder().encode(TEST_JWT_SECRET);
const now = () => Math.floor(Date.now() / 1000);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('order API authentication and authorization (bearer JWT)', () => {
  const db = useTestDb();
  let app: App;
  let sim: Awaited<ReturnType<typeof startInventorySimulator>>;
  before(async () => {
    sim = db.closeLater(await startInventorySimulator({ port: 0, faults: { errorRate: 0 } }));
    app = db.closeLater(await buildOrderApp(db.pool, sim.url));
  });

  const body = (customerId: string) => ({ customerId, items: [{ productId: 'prod_1', quantity: 1, price: 9.99 }] });
  const post = (headers: Record<string, string>, customerId = 'alice') =>
    app.inject({ method: 'POST', url: '/api/orders', headers: { 'idempotency-key': randomUUID(), ...headers }, payload: body(customerId) });

  it('rejects alg:none, a wrong secret, another algorithm, expired, not-yet-valid, missing exp, missing sub and missing/odd headers with 401 — writing nothing', async () => {
    const before = await countRows(db.pool);
    const inventoryCalls = await inventoryRequests(sim.url);
    const tokens: Record<string, string> = {
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'alice', exp: now() + 3600 })}.`,
      'wrong secret': await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setExpirationTime(now() + 3600).sign(new TextEncoder().encode('another-secret-0123456789abcdefghij')),
      'HS512 with the right secret': await new SignJWT({}).setProtectedHeader({ alg: 'HS512' }).setSubject('alice').setExpirationTime(now() + 3600).sign(key),
      expired: await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setExpirationTime(now() - 3600).sign(key),
      'nbf in the future': await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setNotBefore(now() + 3600).setExpirationTime(now() + 7200).sign(key),
      'missing exp': await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').sign(key),
      'missing sub': await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now() + 3600).sign(key),
      'tampered payload': (await signDevToken(TEST_JWT_SECRET, 'mallory')).replace(/\.[^.]+\./, `.${b64({ sub: 'alice', exp: now() + 3600 })}.`),
    };
    for (const [name, token] of Object.entries(tokens)) {
      const res = await post({ authorization: `Bearer ${token}` });
      assert.equal(res.statusCode, 401, name);
      assert.equal(res.json().error, 'unauthorized', name);
    }
    for (const authorization of [undefined, '', 'Bearer', 'Basic YWxpY2U6c2VjcmV0', `bearer ${await signDevToken(TEST_JWT_SECRET, 'alice')}x y`]) {
      const res = await post(authorization === undefined ? {} : { authorization });
      assert.equal(res.statusCode, 401, `header ${JSON.stringify(authorization)}`);
    }
    const expiredMsg = (await post({ authorization: `Bearer ${tokens.expired}` })).json().message;
    assert.match(expiredMsg, /expired/);
    assert.deepEqual(await countRows(db.pool), before, 'no order, item, job or idempotency key written');
    assert.equal(await inventoryRequests(sim.url), inventoryCalls, 'inventory never called');
  });

  it('accepts a valid HS256 token; a customerId other than the token subject is 403', async () => {
    const token = await signDevToken(TEST_JWT_SECRET, 'alice');
    const ok = await post({ authorization: `Bearer ${token}` });
    assert.equal(ok.statusCode, 201, ok.body);
    const other = await post({ authorization: `Bearer ${token}` }, 'bob');
    assert.equal(other.statusCode, 403);
    assert.equal(other.json().error, 'forbidden');
  });

  it('the auth scheme is case-insensitive (RFC 6750 / RFC 9110): bearer, BEARER and BeArEr all place the order (201)', async () => {
    const token = await signDevToken(TEST_JWT_SECRET, 'alice');
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      const res = await post({ authorization: `${scheme} ${token}` });
      assert.equal(res.statusCode, 201, `${scheme}: ${res.body}`);
      const read = await app.inject({ method: 'GET', url: `/api/orders/${res.json().id}`, headers: { authorization: `${scheme} ${token}` } });
      assert.equal(read.statusCode, 200, `${scheme} GET`);
    }
    assert.equal((await app.inject({ method: 'GET', url: '/api/metrics', headers: { authorization: `bearer ${token}` } })).statusCode, 200);
  });

  it("customer A cannot read customer B's order: 404 order_not_found, same as a missing id", async () => {
    const tokenB = await signDevToken(TEST_JWT_SECRET, 'bob');
    const created = await post({ authorization: `Bearer ${tokenB}` }, 'bob');
    assert.equal(created.statusCode, 201);
    const id = created.json().id as string;
    const asB = await app.inject({ method: 'GET', url: `/api/orders/${id}`, headers: { authorization: `Bearer ${tokenB}` } });
    assert.equal(asB.statusCode, 200);
    assert.equal(asB.json().customerId, 'bob');
    const tokenA = await signDevToken(TEST_JWT_SECRET, 'alice');
    const asA = await app.inject({ method: 'GET', url: `/api/orders/${id}`, headers: { authorization: `Bearer ${tokenA}` } });
    assert.equal(asA.statusCode, 404);
    assert.equal(asA.json().error, 'order_not_found');
    const missing = await app.inject({ method: 'GET', url: `/api/orders/${randomUUID()}`, headers: { authorization: `Bearer ${tokenA}` } });
    assert.deepEqual(Object.keys(missing.json()), Object.keys(asA.json()));
    const anonymous = await app.inject({ method: 'GET', url: `/api/orders/${id}` });
    assert.equal(anonymous.statusCode, 401);
  });

  it('/api/metrics takes the API key or an order token, nothing else', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/api/metrics' })).statusCode, 401);
    assert.equal((await app.inject({ method: 'GET', url: '/api/metrics', headers: { 'x-api-key': 'wrong' } })).statusCode, 401);
    assert.equal((await app.inject({ method: 'GET', url: '/api/metrics', headers: API_HEADERS })).statusCode, 200);
    const token = await signDevToken(TEST_JWT_SECRET, 'alice');
    assert.equal((await app.inject({ method: 'GET', url: '/api/metrics', headers: { authorization: `Bearer ${token}` } })).statusCode, 200);
  });
});
