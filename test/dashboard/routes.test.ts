/** The dashboard plugin over HTTP: the public page, asset caching and compression, the overview's auth and shape, the connections panel's data. */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { bundleClient, CONNECTIONS_SHOWN, dashboardRoutes, loadAssets, type Overview } from '../../src/dashboard/index.ts';
import type { App } from '../../src/http/index.ts';
import { silentLogger } from '../../src/log.ts';
import { API_HEADERS, buildTestApp, TEST_KEYS } from '../helpers/app.ts';
import { ACME_SECRET, GLOBEX_REASON, GLOBEX_SECRET, seedConnectionActivity, type SeededActivity } from '../helpers/connectionActivity.ts';
import { useTestDb } from '../helpers/testResources.ts';

describe('dashboard routes', () => {
  const db = useTestDb();
  let app: App;
  let version: string;
  before(async () => {
    const assets = await loadAssets(silentLogger);
    version = assets.get('app.js')?.version ?? '';
    app = db.closeLater(await buildTestApp(db.pool));
    await app.register(dashboardRoutes, { pool: db.pool, assets });
    await app.ready();
  });

  it('GET /dashboard is public HTML that references the versioned bundle, with a strict CSP and no key in it', async () => {
    assert.match(version, /^[0-9a-f]{16}$/, 'the bundle was loaded (built if missing)');
    const res = await app.inject({ method: 'GET', url: '/dashboard' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.match(String(res.headers['content-security-policy']), /script-src 'self';/);
    assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.ok(res.body.includes(`/dashboard/assets/app.js?v=${version}`));
    assert.ok(!res.body.includes(TEST_KEYS.apiKey) && !res.body.includes(TEST_KEYS.adminApiKey));
    assert.equal((await app.inject({ method: 'GET', url: '/dashboard/' })).statusCode, 200);
  });

  it('assets: immutable when asked by version, revalidated otherwise, gzip when accepted, 304 on a matching ETag, 404 for unknown files', async () => {
    const versioned = await app.inject({ method: 'GET', url: `/dashboard/assets/app.js?v=${version}` });
    assert.equal(versioned.statusCode, 200);
    assert.equal(versioned.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(versioned.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(versioned.headers.etag, `"${version}"`);
    const plain = await app.inject({ method: 'GET', url: '/dashboard/assets/app.js' });
    assert.equal(plain.headers['cache-control'], 'no-cache');
    const gz = await app.inject({ method: 'GET', url: '/dashboard/assets/app.js', headers: { 'accept-encoding': 'gzip, br' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.rawPayload).toString(), versioned.body);
    assert.ok(gz.rawPayload.length < versioned.rawPayload.length / 2, 'compressed');
    const css = await app.inject({ method: 'GET', url: '/dashboard/assets/app.css' });
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    const cached = await app.inject({ method: 'GET', url: '/dashboard/assets/app.js', headers: { 'if-none-match': `"${version}"` } });
    assert.equal(cached.statusCode, 304);
    assert.equal((await app.inject({ method: 'GET', url: '/dashboard/assets/nope.js' })).statusCode, 404);
  });

  it('GET /dashboard/api/overview needs the API key and returns queues, DLQ size, orders by status and breakers', async () => {
    const anonymous = await app.inject({ method: 'GET', url: '/dashboard/api/overview' });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().error, 'unauthorized');
    await db.pool.query(`INSERT INTO jobs (queue, payload) VALUES ('ingest', '{}'::jsonb)`);
    const res = await app.inject({ method: 'GET', url: '/dashboard/api/overview', headers: API_HEADERS });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    const body = res.json() as { queues: Array<{ queue: string; pending: number }>; dlq: { dead: number }; ordersByStatus: Record<string, number>; breakers: unknown[] };
    assert.deepEqual(body.queues.map((q) => [q.queue, q.pending]), [['ingest', 1]]);
    assert.equal(body.dlq.dead, 0);
    assert.deepEqual(body.ordersByStatus, { 'Pending Shipment': 0, Shipped: 0, Delivered: 0 });
    assert.ok(Array.isArray(body.breakers));
  });

  it('without a bundle the page says how to build it instead of loading a missing script', async () => {
    const bare = await buildTestApp(db.pool);
    await bare.register(dashboardRoutes, { pool: db.pool, assets: new Map() });
    const res = await bare.inject({ method: 'GET', url: '/dashboard' });
    await bare.close();
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /npm run build:dashboard/);
    assert.doesNotMatch(res.body, /<script/);
  });

  it('the bundler (prepare script and start-up fallback) builds app.js and app.css in memory, with no server code in the browser bundle', async () => {
    const files = await bundleClient();
    assert.deepEqual(files.map((f) => f.name).sort(), ['app.css', 'app.js']);
    const js = Buffer.from(files.find((f) => f.name === 'app.js')!.contents).toString();
    assert.match(js, /data-points|dataset\.points/, 'the chart exposes its point count');
    for (const serverOnly of ['fastify', 'pg-pool', 'node:crypto', 'process.env']) assert.ok(!js.includes(serverOnly), `no ${serverOnly} in the bundle`);
  });
});

describe('dashboard connections panel', () => {
  const db = useTestDb();
  let app: App;
  let seeded: SeededActivity;
  before(async () => {
    seeded = await seedConnectionActivity(db.pool);
    app = db.closeLater(await buildTestApp(db.pool));
    await app.register(dashboardRoutes, { pool: db.pool, assets: await loadAssets(silentLogger) });
    await app.ready();
  });

  const overview = async () => {
    const res = await app.inject({ method: 'GET', url: '/dashboard/api/overview', headers: API_HEADERS });
    assert.equal(res.statusCode, 200, res.body);
    return { body: res.json() as Overview, text: res.body };
  };

  it('per connection: provider, name, id, status and reason, last run with its records and error, dead letters; those needing attention first; never a credential', async () => {
    const { body, text } = await overview();
    const c = body.connections;
    assert.equal(c.total, 6);
    assert.equal(c.needingAttention, 2);
    assert.deepEqual(c.counts.find((p) => p.provider === 'hubspot'), { provider: 'hubspot', active: 1, paused: 0, broken: 1 });
    assert.deepEqual(c.counts.find((p) => p.provider === 'stripe'), { provider: 'stripe', active: 2, paused: 0, broken: 0 });
    // Needing attention first (acme's last run failed, most recent first; globex broken, never ran), then by last run.
    assert.deepEqual(c.items.slice(0, 3).map((x) => x.id), [seeded.acmeId, seeded.globexId, 'stripe-default']);
    const acme = c.items[0]!;
    assert.deepEqual([acme.provider, acme.name, acme.status, acme.needsAttention, acme.deadLetters], ['stripe', 'acme', 'active', true, 2]);
    assert.deepEqual([acme.lastRun?.runId, acme.lastRun?.status, acme.lastRun?.recordsFetched, acme.lastRun?.error], [seeded.runs.acmeFailed, 'failed', 3, 'stripe refused the credentials: HTTP 401']);
    const globex = c.items[1]!;
    assert.deepEqual([globex.status, globex.statusReason, globex.lastRun], ['broken', GLOBEX_REASON, null]);
    assert.equal(c.items[2]!.lastRun?.runId, seeded.runs.defaultSuccess);
    for (const secret of [ACME_SECRET, GLOBEX_SECRET, 'apiKey', 'accessToken', 'sealed', 'v1.']) assert.ok(!text.includes(secret), `no ${secret} in the overview`);
    const page = await app.inject({ method: 'GET', url: '/dashboard' });
    assert.match(page.body, /id="connections-table"/);
    for (const secret of [ACME_SECRET, GLOBEX_SECRET]) assert.ok(!page.body.includes(secret));
  });

  it('bounded: with 1,000 connections the overview lists 200 (those needing attention among them) and counts all', async () => {
    await db.pool.query(`INSERT INTO connections (id, provider, name) SELECT 'conn_bulk' || i, 'gcal', 'bulk-' || i FROM generate_series(1, 994) AS i`);
    const { body, text } = await overview();
    assert.equal(body.connections.total, 1000);
    assert.equal(body.connections.items.length, CONNECTIONS_SHOWN);
    assert.deepEqual(body.connections.items.slice(0, 2).map((x) => x.id), [seeded.acmeId, seeded.globexId]);
    assert.equal(body.connections.counts.find((p) => p.provider === 'gcal')?.active, 995);
    assert.ok(text.length < 200_000, `overview is ${text.length} bytes`);
  });
});
