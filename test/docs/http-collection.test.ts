/**
 * docs/buffalo.http against the API that buildApi assembles: every documented operation has an
 * example, every example targets a documented operation (or a listed hidden route), examples
 * carry the auth and Idempotency-Key headers their operation needs, and each one, sent to a
 * real app, reaches its handler (no "no route" 404, no 401 for a request that sends a key).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildApi } from '../../src/cli/start.ts';
import { resolveConfig } from '../../src/config.ts';
import { createConnectors } from '../../src/connectors/index.ts';
import type { App } from '../../src/http/index.ts';
import { silentLogger } from '../../src/log.ts';
import { signDevToken } from '../../src/orders/index.ts';
import { useTestDb } from '../helpers/testResources.ts';

const COLLECTION = path.resolve('docs/buffalo.http');
// Routes outside the OpenAPI document on purpose (schema.hide), listed here explicitly.
const HIDDEN = ['GET /healthz', 'GET /health', 'GET /readyz', 'GET /metrics', 'GET /docs', 'GET /docs/openapi.json', 'GET /dashboard', 'GET /dashboard/assets/{file}'];
const KEYS = { apiKey: 'http-collection-api-key-0123456789', adminApiKey: 'http-collection-admin-key-0123456789', jwtSecret: 'http-collection-jwt-secret-0123456789abcdef' };

/** One request of the collection. */
interface HttpRequest {
  title: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Parse the REST Client / JetBrains format: `@var = value` lines, `###` separators, request line, headers, blank line, body. */
function parseCollection(text: string): { vars: Record<string, string>; requests: HttpRequest[] } {
  const vars: Record<string, string> = {};
  const requests: HttpRequest[] = [];
  for (const block of text.split(/^###/m)) {
    const lines = block.split('\n');
    const title = (lines.shift() ?? '').trim();
    let req: HttpRequest | undefined;
    let inBody = false;
    const body: string[] = [];
    for (const line of lines) {
      if (!req) {
        const v = /^@([\w-]+)\s*=\s*(.*)$/.exec(line);
        if (v) vars[v[1]!] = v[2]!.trim();
        if (!line.trim() || line.startsWith('#') || line.startsWith('//') || v) continue;
        const m = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(\S+)(\s+HTTP\/[\d.]+)?$/.exec(line.trim());
        assert.ok(m, `request line expected in block "${title}", got: ${line}`);
        req = { title, method: m[1]!, url: m[2]!, headers: {}, body: '' };
        continue;
      }
      if (inBody) body.push(line);
      else if (!line.trim()) inBody = true;
      else {
        const h = /^([\w-]+):\s*(.*)$/.exec(line);
        assert.ok(h, `header expected in "${title}", got: ${line}`);
        req.headers[h[1]!.toLowerCase()] = h[2]!;
      }
    }
    if (req) {
      req.body = body.join('\n').trim();
      requests.push(req);
    }
  }
  return { vars, requests };
}

const substitute = (s: string, vars: Record<string, string>) => s.replace(/\{\{([\w-]+)\}\}/g, (_m, name: string) => vars[name] ?? `{{${name}}}`);

/** `{{baseUrl}}/runs/{{runId}}?x=1` → `/runs/{{runId}}`. */
function pathOf(url: string): string {
  return url.replace(/^\{\{baseUrl\}\}/, '').split('?')[0]!;
}

/** Does a collection path match an OpenAPI template (`/runs/{runId}`)? */
function matches(template: string, p: string): boolean {
  const re = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
  return re.test(p);
}

interface Operation {
  key: string;
  method: string;
  path: string;
  security: Array<Record<string, unknown>>;
  description: string;
}

describe('docs/buffalo.http and the OpenAPI document', () => {
  const db = useTestDb();
  let app: App;
  let operations: Operation[];
  const { vars, requests } = parseCollection(readFileSync(COLLECTION, 'utf8'));

  before(async () => {
    // Every optional module on, so the document holds every operation: upstream URLs point at a
    // closed port (requests that reach them fail as 502/503, which is all this test needs).
    const config = resolveConfig({
      NODE_ENV: 'test',
      API_KEY: KEYS.apiKey,
      ADMIN_API_KEY: KEYS.adminApiKey,
      JWT_SECRET: KEYS.jwtSecret,
      INVENTORY_API_BASE_URL: 'http://127.0.0.1:9',
      EVENT_API_BASE_URL: 'http://127.0.0.1:9',
      EVENTS_RETRY_MAX_ATTEMPTS: '1',
      STRIPE_WEBHOOK_SECRET: 'whsec_http_collection_test',
    });
    app = db.closeLater(await buildApi({ pool: db.pool, config, logger: silentLogger, connectors: createConnectors(config, { logger: silentLogger }) }));
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/docs/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json() as { paths: Record<string, Record<string, { security?: Array<Record<string, unknown>>; description?: string; summary?: string }>> };
    operations = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.entries(ops).map(([m, op]) => ({ key: `${m.toUpperCase()} ${p}`, method: m.toUpperCase(), path: p, security: op.security ?? [], description: `${op.summary ?? ''} ${op.description ?? ''}` })),
    );
  });

  it('parses: every request has a method and a {{baseUrl}} URL, every variable used is defined, JSON bodies are JSON', () => {
    assert.ok(requests.length >= 30, `parsed ${requests.length} requests`);
    for (const r of requests) {
      assert.ok(r.url.startsWith('{{baseUrl}}/'), `${r.title}: URL starts with {{baseUrl}}`);
      for (const used of JSON.stringify(r).matchAll(/\{\{([\w-]+)\}\}/g)) assert.ok(used[1]! in vars, `${r.title}: {{${used[1]}}} is defined`);
      if (r.body) {
        assert.match(r.headers['content-type'] ?? '', /application\/json/, `${r.title}: body has a JSON content type`);
        assert.doesNotThrow(() => JSON.parse(r.body), `${r.title}: body is JSON`);
      }
    }
  });

  it('every documented operation appears in the collection', () => {
    assert.ok(operations.length >= 20, `the document has ${operations.length} operations`);
    const missing = operations.filter((op) => !requests.some((r) => r.method === op.method && matches(op.path, pathOf(r.url))));
    assert.deepEqual(missing.map((op) => op.key), []);
  });

  it('every request in the collection is a documented operation or a listed hidden route', () => {
    const known = [...operations.map((op) => op.key), ...HIDDEN];
    const unknown = requests.filter((r) => !known.some((k) => {
      const [method, template] = k.split(' ') as [string, string];
      return method === r.method && matches(template, pathOf(r.url));
    }));
    assert.deepEqual(unknown.map((r) => `${r.method} ${pathOf(r.url)}`), []);
  });

  it('requests carry the auth header their operation documents and Idempotency-Key where it is required', () => {
    const header = { apiKey: 'x-api-key', adminApiKey: 'x-admin-api-key', bearerAuth: 'authorization' } as Record<string, string>;
    for (const op of operations) {
      for (const r of requests.filter((x) => x.method === op.method && matches(op.path, pathOf(x.url)))) {
        if (op.security.length === 0 || r.title.startsWith('Missing key')) continue;
        const accepted = op.security.flatMap((s) => Object.keys(s)).map((name) => header[name]);
        assert.ok(accepted.some((h) => h && h in r.headers), `${op.key} ("${r.title}") sends one of ${accepted.join(', ')}`);
        if (/Idempotency-Key/.test(op.description) || (op.method === 'POST' && op.path !== '/webhooks/stripe')) {
          assert.ok('idempotency-key' in r.headers, `${op.key} ("${r.title}") sends Idempotency-Key`);
        }
      }
    }
  });

  it('sent to the app, every example reaches a handler, and those that send a key are not refused', async () => {
    const live = { ...vars, apiKey: KEYS.apiKey, adminKey: KEYS.adminApiKey, orderToken: await signDevToken(KEYS.jwtSecret, 'cust_42') };
    for (const r of requests) {
      const url = substitute(r.url, live).replace(/^https?:\/\/[^/]+/, '');
      const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, substitute(v, live)]));
      const res = await app.inject({ method: r.method as 'GET', url, headers, ...(r.body ? { payload: substitute(r.body, live) } : {}) });
      assert.ok(!(res.statusCode === 404 && /no route for/.test(res.body)), `${r.method} ${url} ("${r.title}") has a route`);
      const sendsKey = ['x-api-key', 'x-admin-api-key', 'authorization'].some((h) => h in headers);
      if (sendsKey) assert.notEqual(res.statusCode, 401, `${r.method} ${url} ("${r.title}") is accepted with its key: ${res.body}`);
      if (r.title.startsWith('Missing key')) assert.equal(res.statusCode, 401);
    }
  });
});
