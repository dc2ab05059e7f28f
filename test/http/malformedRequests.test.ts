/**
 * Requests Fastify's router or Node's HTTP parser refuse before any route runs still answer in
 * the documented error shape, `{"error": "<snake_case code>", "message": …}`, with a 4xx; sent as
 * raw bytes over a socket, since an HTTP client would refuse to send most of them.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { useTestDb } from '../helpers/testResources.ts';
import { TEST_KEYS } from '../helpers/app.ts';
import { buildApp, type App } from '../../src/http/index.ts';
import { ingestRoutes } from '../../src/ingest/index.ts';
import { createLogger } from '../../src/log.ts';
import { clientErrorResponse } from '../../src/http/renderError.ts';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Write `request` as is on a fresh connection; the answer once the server closes it or it is complete. */
function rawRequest(port: number, request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      try {
        resolve({ status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(Buffer.from(body, 'latin1').toString('utf8')) });
      } catch {
        reject(new Error(`not a JSON answer: ${JSON.stringify(text.slice(0, 500))}`));
      }
    });
    socket.write(request, 'latin1');
  });
}

const get = (path: string, extraHeaders = '') => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: ${TEST_KEYS.apiKey}\r\nConnection: close\r\n${extraHeaders}\r\n`;

describe('requests refused before routing answer in the documented error shape', () => {
  const db = useTestDb();
  let app: App;
  let port: number;
  let logs = '';
  before(async () => {
    const sink = new PassThrough();
    sink.on('data', (d: Buffer) => (logs += d.toString()));
    app = db.closeLater(await buildApp({ pool: db.pool, logger: createLogger({ level: 'trace' }, sink), auth: TEST_KEYS }));
    await app.register(ingestRoutes, { pool: db.pool });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });

  it('a path that is not valid percent-encoded UTF-8 (GET /runs/%ED%A0%80) is 400 malformed_url with x-request-id', async () => {
    const res = await rawRequest(port, get('/runs/%ED%A0%80'));
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'malformed_url', message: 'the URL is not valid percent-encoded UTF-8' });
    assert.match(res.headers['content-type'] ?? '', /^application\/json/);
    assert.match(res.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
  });

  it('a 3000-character path id is 414 uri_too_long, without the path echoed back', async () => {
    const res = await rawRequest(port, get(`/runs/${'a'.repeat(3000)}`));
    assert.equal(res.status, 414);
    assert.deepEqual(res.body, { error: 'uri_too_long', message: 'a path parameter is longer than the router accepts' });
  });

  it('a control character in the Idempotency-Key header is 400 malformed_request; the log line carries neither the request bytes nor the API key', async () => {
    logs = '';
    const res = await rawRequest(port, get('/runs', 'Idempotency-Key: abc\x01def\r\n'));
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'malformed_request', message: 'the request is not valid HTTP: Invalid header value char' });
    assert.equal(res.headers.connection, 'close');
    const line = logs.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.code === 'malformed_request');
    assert.equal(line?.msg, 'request rejected');
    assert.equal(line?.status, 400);
    // The parser's error carries the request's raw bytes; logged, they would hold the key as text or as numbers.
    assert.ok(!logs.includes(TEST_KEYS.apiKey) && !logs.includes(Buffer.from(TEST_KEYS.apiKey).join(',')), 'the API key of the refused request is not logged');
  });

  it('headers over the parser limit are 431 headers_too_large', async () => {
    const res = await rawRequest(port, get('/runs', `X-Padding: ${'p'.repeat(20_000)}\r\n`));
    assert.equal(res.status, 431);
    assert.deepEqual(res.body, { error: 'headers_too_large', message: 'the request headers are larger than the server accepts' });
  });

  it('a request Node times out is 408 request_timeout', () => {
    assert.deepEqual(clientErrorResponse({ code: 'ERR_HTTP_REQUEST_TIMEOUT' }), { status: 408, body: { error: 'request_timeout', message: 'the request did not arrive in time' } });
  });

  it('a malformed request line is 400 malformed_request', async () => {
    const res = await rawRequest(port, 'GET /runs HTTP/9.9 extra\r\nHost: x\r\n\r\n');
    assert.equal(res.status, 400);
    assert.equal((res.body as { error: string }).error, 'malformed_request');
  });
});
