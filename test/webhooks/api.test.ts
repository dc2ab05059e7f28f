import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { useTestDb } from '../helpers/testResources.ts';
import { ADMIN_HEADERS, API_HEADERS, TEST_KEYS } from '../helpers/app.ts';
import { buildApp, type App } from '../../src/http/index.ts';
import { createLogger } from '../../src/log.ts';
import { createSecretBox } from '../../src/connections/index.ts';
import { resolveConfig } from '../../src/config.ts';
import { webhookRoutes } from '../../src/webhooks/index.ts';

// An address outside every refused range; the API test never connects to it.
const PUBLIC_URL = 'https://93.184.216.34/hooks/buffalo';

describe('webhook subscriptions API (private URLs refused, as in production)', () => {
  const db = useTestDb();
  let app: App;
  const logLines: string[] = [];
  let key = 0;
  const idem = () => ({ 'idempotency-key': `wh-${++key}` });
  const create = (body: unknown, headers: Record<string, string> = { ...ADMIN_HEADERS, ...idem() }) => app.inject({ method: 'POST', url: '/webhook-subscriptions', headers, payload: body as object });

  before(async () => {
    const capture = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    app = db.closeLater(await buildApp({ pool: db.pool, logger: createLogger({ level: 'trace' }, capture), auth: TEST_KEYS }));
    await app.register(webhookRoutes, { pool: db.pool, box: createSecretBox(randomBytes(32)), allowPrivateUrls: false });
    await app.ready();
  });

  it('WEBHOOK_ALLOW_PRIVATE_URLS defaults to false in production and true in development and test', () => {
    const prod = { NODE_ENV: 'production', API_KEY: TEST_KEYS.apiKey, ADMIN_API_KEY: TEST_KEYS.adminApiKey, JWT_SECRET: 'webhooks-api-test-jwt-secret-0123456789', BUFFALO_SECRET_KEY: randomBytes(32).toString('base64url') };
    assert.equal(resolveConfig(prod).webhooks.allowPrivateUrls, false);
    assert.equal(resolveConfig({ ...prod, WEBHOOK_ALLOW_PRIVATE_URLS: 'true' }).webhooks.allowPrivateUrls, true);
    assert.equal(resolveConfig({ NODE_ENV: 'development' }).webhooks.allowPrivateUrls, true);
    assert.equal(resolveConfig({ NODE_ENV: 'test' }).webhooks.allowPrivateUrls, true);
    assert.deepEqual({ ...resolveConfig({ NODE_ENV: 'test' }).webhooks, allowPrivateUrls: undefined }, { allowPrivateUrls: undefined, timeoutMs: 10_000, maxAttempts: 8 });
    assert.throws(() => resolveConfig({ WEBHOOK_MAX_ATTEMPTS: '0' }), /WEBHOOK_MAX_ATTEMPTS/);
  });

  it('create answers 201 with a whsec_ secret once; reads never show it; no table holds it in clear and no trace-level log line carries it', async () => {
    const res = await create({ url: PUBLIC_URL, events: ['sync.completed', 'sync.failed'], description: 'ops pager' });
    assert.equal(res.statusCode, 201, res.body);
    const created = res.json();
    assert.match(created.id, /^whsub_[0-9a-f]{24}$/);
    assert.match(created.secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual({ ...created, id: undefined, secret: undefined, createdAt: undefined, updatedAt: undefined }, {
      id: undefined, secret: undefined, createdAt: undefined, updatedAt: undefined,
      url: PUBLIC_URL, events: ['sync.completed', 'sync.failed'], connectionId: null, description: 'ops pager', status: 'active', statusReason: null,
    });

    const one = await app.inject({ method: 'GET', url: `/webhook-subscriptions/${created.id}`, headers: ADMIN_HEADERS });
    assert.equal(one.statusCode, 200);
    assert.equal(one.json().id, created.id);
    assert.equal('secret' in one.json(), false);
    const list = await app.inject({ method: 'GET', url: '/webhook-subscriptions', headers: ADMIN_HEADERS });
    assert.deepEqual(list.json().subscriptions.map((s: { id: string }) => s.id), [created.id]);
    for (const body of [one.body, list.body]) assert.equal(body.includes(created.secret), false);
    assert.equal((await app.inject({ method: 'GET', url: '/webhook-subscriptions', headers: API_HEADERS })).statusCode, 401, 'admin only');

    const tables = (await db.pool.query<{ name: string }>("SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")).rows;
    assert.ok(tables.some((t) => t.name === 'webhook_subscriptions') && tables.some((t) => t.name === 'idempotency_keys'));
    for (const { name } of tables) {
      const hits = await db.pool.query(`SELECT 1 FROM ${name} t WHERE t::text LIKE '%' || $1 || '%' LIMIT 1`, [created.secret.slice('whsec_'.length)]);
      assert.equal(hits.rowCount, 0, `table ${name} holds the secret in clear`);
    }
    assert.ok(logLines.length > 0, 'the trace logger captured lines');
    assert.equal(logLines.some((l) => l.includes(created.secret.slice('whsec_'.length))), false, 'a log line carries the secret');
  });

  it('the same Idempotency-Key answers the same subscription and the same secret; one row is made', async () => {
    const headers = { ...ADMIN_HEADERS, ...idem() };
    const body = { url: `${PUBLIC_URL}/idem`, events: ['reconciliation.completed'] };
    const first = await create(body, headers);
    const again = await create(body, headers);
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(again.statusCode, 201, again.body);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.json(), first.json());
    const rows = await db.pool.query('SELECT id FROM webhook_subscriptions WHERE url = $1', [body.url]);
    assert.equal(rows.rowCount, 1);
    const other = await create({ ...body, events: ['sync.failed'] }, headers);
    assert.equal(other.statusCode, 422, 'a different request under a used key');
    const noKey = await app.inject({ method: 'POST', url: '/webhook-subscriptions', headers: ADMIN_HEADERS, payload: body });
    assert.equal(noKey.json().error, 'idempotency_key_required');
  });

  it('bad input is a 400 naming the field: url scheme, credentials in the url, its length, unknown event type', async () => {
    const cases: Array<[unknown, string]> = [
      [{ url: 'ftp://example.com/x', events: ['sync.completed'] }, 'url'],
      [{ url: 'not a url', events: ['sync.completed'] }, 'url'],
      [{ url: 'https://user:pw@example.com/x', events: ['sync.completed'] }, 'url'],
      [{ url: `https://example.com/${'a'.repeat(2048)}`, events: ['sync.completed'] }, 'url'],
      [{ url: PUBLIC_URL, events: ['sync.exploded'] }, 'events.0'],
      [{ url: PUBLIC_URL, events: [] }, 'events'],
      [{ url: PUBLIC_URL, events: ['sync.completed'], connectionId: 'Not An Id' }, 'connectionId'],
    ];
    for (const [body, field] of cases) {
      const res = await create(body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body).slice(0, 80)}: ${res.body}`);
      assert.equal(res.json().field, field, res.body);
    }
  });

  it('an unknown connectionId is a 422 naming connectionId; a known one narrows the subscription', async () => {
    const unknown = await create({ url: PUBLIC_URL, events: ['sync.completed'], connectionId: 'conn_doesnotexist' });
    assert.equal(unknown.statusCode, 422, unknown.body);
    assert.equal(unknown.json().error, 'unknown_connection');
    assert.equal(unknown.json().field, 'connectionId');
    const known = await create({ url: PUBLIC_URL, events: ['sync.completed'], connectionId: 'stripe-default' });
    assert.equal(known.statusCode, 201, known.body);
    assert.equal(known.json().connectionId, 'stripe-default');
  });

  it('SSRF: private, loopback, link-local (metadata), IPv6 loopback, IPv4-mapped and unique-local literals, and a name resolving only to loopback, are 422 naming url', async () => {
    for (const url of ['http://127.0.0.1/hook', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]/hook', 'http://[::ffff:127.0.0.1]/', 'http://10.0.0.5/x', 'http://100.64.1.1/x', 'http://[fd00:ec2::254]/x', 'http://0.0.0.0/x', 'http://localhost:9/hook']) {
      const res = await create({ url, events: ['sync.completed'] });
      assert.equal(res.statusCode, 422, `${url}: ${res.body}`);
      assert.equal(res.json().error, 'webhook_url_refused');
      assert.equal(res.json().field, 'url');
      assert.match(res.json().message, /^url: /);
    }
    assert.equal((await db.pool.query("SELECT 1 FROM webhook_subscriptions WHERE url LIKE 'http://%'")).rowCount, 0, 'nothing stored');
  });

  it('delete takes an Idempotency-Key, answers 204, then 404; unknown ids are 404 and malformed ones 400', async () => {
    const created = (await create({ url: PUBLIC_URL, events: ['sync.failed'] })).json();
    const headers = { ...ADMIN_HEADERS, ...idem() };
    const del = await app.inject({ method: 'DELETE', url: `/webhook-subscriptions/${created.id}`, headers });
    assert.equal(del.statusCode, 204);
    const replay = await app.inject({ method: 'DELETE', url: `/webhook-subscriptions/${created.id}`, headers });
    assert.equal(replay.statusCode, 204, 'replayed');
    const gone = await app.inject({ method: 'GET', url: `/webhook-subscriptions/${created.id}`, headers: ADMIN_HEADERS });
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().error, 'webhook_subscription_not_found');
    const again = await app.inject({ method: 'DELETE', url: `/webhook-subscriptions/${created.id}`, headers: { ...ADMIN_HEADERS, ...idem() } });
    assert.equal(again.statusCode, 404);
    const bad = await app.inject({ method: 'GET', url: '/webhook-subscriptions/nope/deliveries', headers: ADMIN_HEADERS });
    assert.equal(bad.statusCode, 400);
  });
});
