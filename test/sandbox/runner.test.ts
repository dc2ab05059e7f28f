import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { runSandboxCommand, SANDBOX_NAMES, sandboxEnv, startSandbox, type Sandbox } from '../../src/sandbox/index.ts';

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}
const portOf = (srv: Server) => (srv.address() as { port: number }).port;
const closeServer = (srv: Server) => new Promise<void>((r) => srv.close(() => r()));

async function health(url: string): Promise<{ status: number; body: { status?: string; simulator?: string } }> {
  const res = await fetch(`${url}/health`);
  return { status: res.status, body: (await res.json()) as { status?: string; simulator?: string } };
}

describe('sandbox runner', () => {
  it('starts all six simulators (ephemeral ports with basePort 0), each answering /health', async () => {
    const sandbox = await startSandbox({ basePort: 0 });
    try {
      assert.deepEqual(Object.keys(sandbox.urls).sort(), [...SANDBOX_NAMES].sort());
      assert.equal(new Set(Object.values(sandbox.urls)).size, 6);
      for (const name of SANDBOX_NAMES) {
        const h = await health(sandbox.urls[name]!);
        assert.deepEqual([h.status, h.body.status, h.body.simulator], [200, 'ok', name]);
      }
      // Ground truth agrees with what the list endpoints serve.
      const get = async <T>(url: string) => (await (await fetch(url)).json()) as T;
      const es = await get<{ events: unknown[]; users: unknown[] }>(`${sandbox.urls.eventservice}/__sandbox/truth`);
      assert.deepEqual(await get(`${sandbox.urls.eventservice}/getEvents`), es.events);
      assert.deepEqual(await get(`${sandbox.urls.eventservice}/getUsers`), es.users);
      const inv = await get<{ products: Array<{ productId: string; stock: number }> }>(`${sandbox.urls.inventory}/__sandbox/truth`);
      const shelf = await get<{ products: Array<{ productId: string; available: number }> }>(`${sandbox.urls.inventory}/inventory`);
      assert.deepEqual(shelf.products, inv.products.map((p) => ({ productId: p.productId, available: p.stock })));
    } finally {
      await sandbox.close();
    }
  });

  it('the dev credentials it returns are the ones each simulator accepts', async () => {
    const sandbox: Sandbox = await startSandbox({ basePort: 0, only: ['stripe', 'hubspot', 'gcal', 'adplatform'], env: { SANDBOX_ADPLATFORM_PASSWORD: 'from-env', SANDBOX_ADPLATFORM_ERROR_RATE: '0', SANDBOX_ADPLATFORM_TIMEOUT_RATE: '0' } });
    try {
      const { urls, credentials: c } = sandbox;
      const stripe = (key: string) => fetch(`${urls.stripe}/v1/charges?limit=1`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
      assert.equal(await stripe(c.stripe.apiKey), 200);
      assert.equal(await stripe('sk_test_someone_else'), 401);
      const hubspot = (token: string) => fetch(`${urls.hubspot}/crm/v3/objects/deals?limit=1`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
      assert.equal(await hubspot(c.hubspot.accessToken), 200);
      assert.equal(await hubspot('pat-wrong'), 401);
      const cal = await fetch(`${urls.gcal}/calendar/v3/calendars/${encodeURIComponent(c.gcal.calendarId)}/events?maxResults=1`, { headers: { authorization: 'Bearer any' } });
      assert.equal(cal.status, 200);
      assert.equal(c.gcal.tokenUri, `${urls.gcal}/token`);
      assert.equal(c.adplatform.password, 'from-env');
      const basic = `Basic ${Buffer.from(`${c.adplatform.email}:${c.adplatform.password}`).toString('base64')}`;
      const tok = await fetch(`${urls.adplatform}/auth/token`, { method: 'POST', headers: { authorization: basic } });
      assert.equal(tok.status, 200);
      const { access_token } = (await tok.json()) as { access_token: string };
      const list = await fetch(`${urls.adplatform}/api/campaigns`, { headers: { authorization: `Bearer ${access_token}`, 'x-client-id': c.adplatform.clientId } });
      assert.equal(list.status, 200);
      // The env that points Buffalo at this sandbox names exactly the simulators started.
      const env = sandboxEnv(sandbox);
      assert.equal(env.STRIPE_API_BASE, urls.stripe);
      assert.equal(env.AD_PLATFORM_PASSWORD, 'from-env');
      assert.equal(env.GOOGLE_CALENDAR_ID, c.gcal.calendarId);
      assert.equal(env.EVENT_API_BASE_URL, undefined);
    } finally {
      await sandbox.close();
    }
  });

  it('gives simulator i the port basePort + i, in the order stripe … inventory', async () => {
    const probe = await listen(0);
    const free = portOf(probe);
    await closeServer(probe);
    const sandbox = await startSandbox({ basePort: free - SANDBOX_NAMES.indexOf('inventory'), only: ['inventory'] });
    try {
      assert.equal(sandbox.urls.inventory, `http://127.0.0.1:${free}`);
      assert.equal((await health(sandbox.urls.inventory!)).body.simulator, 'inventory');
    } finally {
      await sandbox.close();
    }
  });

  it('a port clash fails naming the simulator, and closes the ones already started', async () => {
    // Retry with another port when the one below the blocked port is taken by someone else.
    for (let attempt = 1; ; attempt++) {
      const blocker = await listen(0);
      const taken = portOf(blocker);
      try {
        const err = await startSandbox({ basePort: taken - 1, only: ['stripe', 'hubspot'] }).then(
          async (s) => (await s.close(), new Error('started')),
          (e: Error) => e,
        );
        if (/stripe simulator could not start/.test(err.message) && attempt < 5) continue;
        assert.match(err.message, /hubspot simulator could not start/);
        // stripe (on taken - 1) was started first and must have been closed again.
        await closeServer(await listen(taken - 1));
        return;
      } finally {
        await closeServer(blocker);
      }
    }
  });

  it('runSandboxCommand prints each URL and the connector env, and stops when told to', async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    let sandbox: Sandbox | undefined;
    const run = runSandboxCommand({
      basePort: 0,
      env: {},
      only: ['eventservice', 'inventory'],
      out: (l) => lines.push(l),
      signal: stop.signal,
      onReady: (s) => {
        sandbox = s;
        stop.abort();
      },
    });
    await run;
    const text = lines.join('\n');
    assert.ok(sandbox);
    assert.match(text, new RegExp(`eventservice\\s+${sandbox.urls.eventservice}`));
    assert.ok(text.includes(`INVENTORY_API_BASE_URL=${sandbox.urls.inventory}`));
    assert.ok(text.includes(`EVENT_API_BASE_URL=${sandbox.urls.eventservice}`));
    await assert.rejects(fetch(`${sandbox.urls.inventory}/health`));
  });
});
