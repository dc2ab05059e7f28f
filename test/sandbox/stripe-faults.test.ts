import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { createManualClock, type RunningSimulator } from '../../src/sandbox/common/index.ts';
import { startStripeSimulator, type StripeSimState } from '../../src/sandbox/stripe/index.ts';
import { waitFor } from '../helpers/waitFor.ts';

const AUTH = { authorization: 'Bearer sk_test_faults' };


describe('stripe simulator: faults', () => {
  let sim: RunningSimulator<StripeSimState>;
  before(async () => {
    sim = await startStripeSimulator({ clock: createManualClock(Date.UTC(2025, 0, 1)), faults: { records: 200 } });
  });
  after(() => sim.close());

  it('429 carries Stripe-Rate-Limited-Reason, no Retry-After, and code rate_limit', async () => {
    sim.setFaults({ rateLimitPerMin: 3 });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${sim.url}/v1/charges?limit=1`, { headers: AUTH });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    sim.setFaults({ rateLimitPerMin: 0 });
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    assert.equal(limited!.headers.get('stripe-rate-limited-reason'), 'global-rate');
    assert.equal(limited!.headers.get('retry-after'), null);
    const body = (await limited!.json()) as { error: { type: string; code: string; message: string } };
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.code, 'rate_limit');
    assert.match(body.error.message, /rate limit/i);
  });

  it('errorRate 0.2 yields about 20 % Stripe-format 503s over 500 calls', async () => {
    sim.setFaults({ errorRate: 0.2 });
    let errors = 0;
    const call = async () => {
      const res = await fetch(`${sim.url}/v1/charges?limit=1`, { headers: AUTH });
      const body = (await res.json()) as { error?: { type: string } };
      if (res.status === 503) {
        errors++;
        assert.equal(body.error?.type, 'api_error');
      } else assert.equal(res.status, 200);
    };
    for (let i = 0; i < 50; i++) await Promise.all(Array.from({ length: 10 }, call));
    sim.setFaults({ errorRate: 0 });
    assert.ok(errors >= 70 && errors <= 130, `errors=${errors}`);
  });

  it('the official client surfaces a 503 as StripeAPIError and staleCursor rejects cursors', async () => {
    const stripe = new Stripe('sk_test_x', { host: '127.0.0.1', port: sim.port, protocol: 'http', maxNetworkRetries: 0 });
    sim.setFaults({ errorRate: 1 });
    await assert.rejects(stripe.charges.list(), (e: Stripe.errors.StripeError) => e.statusCode === 503 && e.type === 'StripeAPIError');
    sim.setFaults({ errorRate: 0, staleCursor: true });
    const first = await stripe.charges.list({ limit: 1 });
    await assert.rejects(stripe.charges.list({ starting_after: first.data[0]!.id }), (e: Stripe.errors.StripeError) => e.code === 'resource_missing');
    sim.setFaults({ staleCursor: false });
  });
});

describe('stripe simulator: webhooks', () => {
  let server: Server;
  let sim: RunningSimulator<StripeSimState>;
  const received: Array<{ body: string; signature: string }> = [];
  let failuresLeft = 3;
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (failuresLeft > 0) {
          failuresLeft--;
          res.writeHead(500).end('not yet');
          return;
        }
        received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['stripe-signature']) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    sim = await startStripeSimulator({ clock: createManualClock(Date.UTC(2025, 0, 1)), faults: { records: 50 }, webhookRetry: { retryBaseMs: 20, retryMaxMs: 100 } });
  });
  after(async () => {
    await sim.close();
    await new Promise((r) => server.close(r));
  });

  it('delivers every new event signed as Stripe signs, retrying after a failing endpoint', async () => {
    const secret = 'whsec_test_secret';
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
    const reg = await fetch(`${sim.url}/__sandbox/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url, secret }) });
    assert.equal(reg.status, 200);
    await fetch(`${sim.url}/__sandbox/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ minutes: 10 }) });
    const created = sim.state.truth().events.filter((e) => e.created >= Date.UTC(2025, 0, 1) / 1000);
    assert.ok(created.length >= 3, `events created: ${created.length}`);
    await waitFor('all deliveries final', () => sim.state.webhooks.deliveries().every((d) => d.state !== 'pending') && sim.state.webhooks.deliveries().length === created.length);
    const deliveries = sim.state.webhooks.deliveries();
    assert.ok(deliveries.every((d) => d.state === 'delivered'));
    assert.ok(deliveries.some((d) => d.attempts.length >= 2 && d.attempts[0]!.status === 500), 'a failed attempt was retried');
    const stripe = new Stripe('sk_test_x');
    const ids = received.map((r) => stripe.webhooks.constructEvent(r.body, r.signature, secret).id);
    assert.deepEqual([...new Set(ids)].sort(), created.map((e) => e.id).sort());
    assert.throws(() => stripe.webhooks.constructEvent(received[0]!.body, received[0]!.signature, 'whsec_wrong'));
    const listed = (await (await fetch(`${sim.url}/__sandbox/webhooks`)).json()) as { deliveries: unknown[] };
    assert.equal(listed.deliveries.length, created.length);
  });
});
