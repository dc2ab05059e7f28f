/**
 * exchangeHttp over real HTTP: the whole answer with its headers as requestJson reads them, an
 * abort that ends an exchange the server never finishes (with the signal's reason), and a refused
 * connection surfacing undici's error.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exchangeHttp } from '../../src/resilience/exchangeHttp.ts';

describe('exchangeHttp', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ method: string; url: string; body: string; contentType: string | undefined }> = [];
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body, contentType: req.headers['content-type'] });
        if (req.url?.startsWith('/stall')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"partial":');
          return; // never finishes
        }
        // Repeated headers, a multi-byte character split across two writes.
        res.writeHead(201, [
          ['Content-Type', 'application/json'],
          ['Set-Cookie', 'a=1'],
          ['Set-Cookie', 'b=2'],
          ['X-Request-Id', 'req_1'],
        ]);
        const text = Buffer.from('{"name":"Zoë"}');
        res.write(text.subarray(0, 11));
        res.end(text.subarray(11));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends method, path with query and body; answers the status, lower-case headers (repeats joined) and the whole body', async () => {
    const answer = await exchangeHttp(`${base}/things?limit=2&after=x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}', signal: new AbortController().signal });
    assert.equal(answer.status, 201);
    assert.equal(answer.headers['content-type'], 'application/json');
    assert.equal(answer.headers['set-cookie'], 'a=1, b=2');
    assert.equal(answer.headers['x-request-id'], 'req_1');
    assert.equal(answer.text, '{"name":"Zoë"}');
    assert.deepEqual(seen.at(-1), { method: 'POST', url: '/things?limit=2&after=x', body: '{"a":1}', contentType: 'application/json' });
  });

  it('an abort ends an exchange the server never finishes, with the signal\'s reason; an aborted signal sends nothing', { timeout: 10_000 }, async () => {
    const ctrl = new AbortController();
    const reason = new Error('attempt timed out');
    const pending = exchangeHttp(`${base}/stall`, { method: 'GET', headers: {}, body: undefined, signal: ctrl.signal });
    setTimeout(() => ctrl.abort(reason), 100);
    await assert.rejects(pending, (err) => err === reason);
    const before = seen.length;
    const already = new AbortController();
    already.abort(reason);
    await assert.rejects(exchangeHttp(`${base}/things`, { method: 'GET', headers: {}, body: undefined, signal: already.signal }), (err) => err === reason);
    assert.equal(seen.length, before, 'no request reached the server');
  });

  it('a refused connection rejects with undici\'s error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(exchangeHttp(`http://127.0.0.1:${port}/x`, { method: 'GET', headers: {}, body: undefined, signal: new AbortController().signal }), (err: Error & { code?: string }) => err.code === 'ECONNREFUSED');
  });
});
