/**
 * Authentication comes before validation on every route of the full API (as buildApi assembles
 * it, every optional module on): an anonymous request with a bad query, bad params and a bad
 * body gets 401, never a 400 that tells a stranger which fields exist and what they accept.
 * The route list comes from Fastify itself, so a route added later is covered without editing.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildApi } from '../../src/cli/start.ts';
import { resolveConfig } from '../../src/config.ts';
import { createConnectors } from '../../src/connectors/index.ts';
import type { App } from '../../src/http/index.ts';
import { silentLogger } from '../../src/log.ts';
import { useTestDb } from '../helpers/testResources.ts';

// Public on purpose: probes, Prometheus, the API docs and the dashboard shell (it asks for the key).
const PUBLIC = [/^GET \/(healthz|health|readyz|metrics)$/, /^GET \/docs(\/.*)?$/, /^GET \/dashboard(\/|\/assets\/:file)?$/];
// Authenticated by its Stripe signature, not a key: a bad one is its documented 400.
// Webhooks authenticate by their signature (checked after the body is read), and the OAuth
// callback by its single-use state (the browser arrives from the vendor with no API key).
const SIGNED = ['POST /webhooks/stripe', 'POST /webhooks/stripe/:connectionId', 'GET /connect/:provider/callback'];
// Every query parameter any route validates, each with a value it rejects.
const BAD_QUERY = 'startDate=yesterday&endDate=2026-02-30&source=nope&currency=usd&timezone=Not/AZone&limit=-1&offset=-1&cursor=%25%25&updatedSince=soon&status=nope&queue=&replayed=maybe';

/**
 * `{ method, url }` of every registered route but HEAD, from Fastify's own route table. printRoutes
 * draws a radix tree ("│   └── /:id (GET, HEAD)"): a line's depth is where its segment starts,
 * its URL is its ancestors' segments and its own.
 */
function registeredRoutes(app: App): Array<{ method: string; url: string }> {
  const out: Array<{ method: string; url: string }> = [];
  const prefix: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*[├└]── )(\S+)(?: \(([^)]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4 - 1;
    prefix.length = depth;
    const url = prefix.join('') + m[2]!;
    prefix.push(m[2]!);
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim())) if (method && method !== 'HEAD') out.push({ method, url });
  }
  return out;
}

describe('every route authenticates before it validates', () => {
  const db = useTestDb();
  let app: App;
  before(async () => {
    const config = resolveConfig({
      NODE_ENV: 'test',
      API_KEY: 'auth-first-api-key-0123456789',
      ADMIN_API_KEY: 'auth-first-admin-key-0123456789',
      JWT_SECRET: 'auth-first-jwt-secret-0123456789abcdef',
      INVENTORY_API_BASE_URL: 'http://127.0.0.1:9',
      EVENT_API_BASE_URL: 'http://127.0.0.1:9',
      STRIPE_WEBHOOK_SECRET: 'whsec_auth_first_test',
    });
    app = db.closeLater(await buildApi({ pool: db.pool, config, logger: silentLogger, connectors: createConnectors(config, { logger: silentLogger }) }));
    await app.ready();
  });

  it('an anonymous request with a bad query, params and body is 401 on every non-public route', async () => {
    const routes = registeredRoutes(app);
    const guarded = routes.filter((r) => !PUBLIC.some((p) => p.test(`${r.method} ${r.url}`)) && !SIGNED.includes(`${r.method} ${r.url}`));
    for (const must of ['GET /metrics/revenue/summary', 'GET /payments', 'GET /dlq', 'POST /trigger/:source/:mode', 'POST /api/orders', 'GET /getEventsByUserId/:id', 'POST /addEvent', 'GET /dashboard/api/overview', 'POST /dlq/:id/replay']) {
      assert.ok(guarded.some((r) => `${r.method} ${r.url}` === must), `${must} is registered (have: ${guarded.map((r) => `${r.method} ${r.url}`).join(', ')})`);
    }
    const wrong: string[] = [];
    for (const r of guarded) {
      const url = `${r.url.replace(/:[^/]+/g, 'not-a-valid-id')}?${BAD_QUERY}`;
      const body = r.method === 'GET' || r.method === 'DELETE' ? {} : { headers: { 'content-type': 'application/json' }, payload: '{"unexpected": -1, "items": "none"}' };
      const res = await app.inject({ method: r.method as 'GET', url, ...body });
      if (res.statusCode !== 401) wrong.push(`${r.method} ${r.url} → ${res.statusCode} ${res.body.slice(0, 120)}`);
      else assert.equal(res.json().error, 'unauthorized');
    }
    assert.deepEqual(wrong, [], 'routes that answered an anonymous bad request with something other than 401');
  });

  it('the signed webhook refuses an unsigned bad body with its signature error, not a validation error', async () => {
    const res = await app.inject({ method: 'POST', url: '/webhooks/stripe', headers: { 'content-type': 'application/json' }, payload: '{"unexpected": -1}' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error, 'webhook_signature_invalid');
  });
});
