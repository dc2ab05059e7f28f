/**
 * Operator notices over real HTTP: signed exactly as docs/webhooks.md tells receivers to verify
 * (HMAC-SHA256 of "<t>.<raw body>"), unsigned without a secret, nothing sent without a URL, a
 * non-2xx answer and a receiver that never answers are errors.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postOperatorNotice } from '../../src/notices/index.ts';

/** The verifier docs/webhooks.md gives receivers, as they would write it. */
function verifyBuffalo(secret: string, header: string, rawBody: string, nowSec: number, toleranceSec = 300): boolean {
  const f = Object.fromEntries(header.split(',').map((kv) => kv.split('='))) as Record<string, string>;
  if (Math.abs(nowSec - Number(f.t)) > toleranceSec) return false;
  const expected = createHmac('sha256', secret).update(`${f.t}.${rawBody}`).digest('hex');
  return typeof f.v1 === 'string' && f.v1.length === expected.length && timingSafeEqual(Buffer.from(f.v1), Buffer.from(expected));
}

describe('operator notices (postOperatorNotice)', () => {
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  let answer: 'ok' | 'fail' | 'hang' = 'ok';
  let server: Server;
  let url: string;
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        if (answer === 'hang') return; // never answers
        res.writeHead(answer === 'ok' ? 204 : 500).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notices`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('signs the raw body with the secret; the documented verifier accepts it and refuses another secret or body', async () => {
    received.length = 0;
    answer = 'ok';
    const nowMs = Date.parse('2026-12-06T09:00:00Z');
    const sent = await postOperatorNotice({ url, secret: 'notice-secret-0123456789' }, { id: 'daily-summary:2026-12-05', body: { date: '2026-12-05', note: 'ünïcödé' } }, { nowMs });
    assert.equal(sent, true);
    const [req] = received;
    assert.ok(req);
    assert.equal(req.body, JSON.stringify({ date: '2026-12-05', note: 'ünïcödé' }));
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['buffalo-event-id'], 'daily-summary:2026-12-05');
    assert.match(String(req.headers['user-agent']), /^Buffalo-Notices\/\d/);
    const signature = String(req.headers['buffalo-signature']);
    assert.match(signature, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.equal(verifyBuffalo('notice-secret-0123456789', signature, req.body, nowMs / 1000), true);
    assert.equal(verifyBuffalo('another-secret-0123456789', signature, req.body, nowMs / 1000), false);
    assert.equal(verifyBuffalo('notice-secret-0123456789', signature, req.body.replace('2026-12-05', '2026-12-04'), nowMs / 1000), false);
    assert.equal(verifyBuffalo('notice-secret-0123456789', signature, req.body, nowMs / 1000 + 3600), false, 'an old signature is refused');
  });

  it('without a secret the notice goes unsigned; without a URL nothing is sent', async () => {
    received.length = 0;
    answer = 'ok';
    assert.equal(await postOperatorNotice({ url, secret: undefined }, { id: 'n1', body: { a: 1 } }), true);
    assert.equal(received.length, 1);
    assert.equal(received[0]?.headers['buffalo-signature'], undefined);
    assert.equal(await postOperatorNotice({ url: undefined, secret: 'notice-secret-0123456789' }, { id: 'n2', body: { a: 2 } }), false);
    assert.equal(received.length, 1, 'nothing sent without a URL');
  });

  it('a non-2xx answer is an error naming the status; a receiver that never answers fails at the deadline', async () => {
    answer = 'fail';
    await assert.rejects(postOperatorNotice({ url, secret: undefined }, { id: 'n3', body: {} }), /NOTIFY_WEBHOOK_URL answered HTTP 500/);
    answer = 'hang';
    const t0 = Date.now();
    await assert.rejects(postOperatorNotice({ url, secret: undefined }, { id: 'n4', body: {} }, { timeoutMs: 200 }));
    assert.ok(Date.now() - t0 < 5000, 'gave up at its deadline, not the default 10 s');
  });
});
