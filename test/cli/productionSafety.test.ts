import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import Stripe from 'stripe';
import { signDevToken } from '../../src/orders/index.ts';
import { useTestDb, type TestDbFixture } from '../helpers/testResources.ts';
import { BIN, isolatedBuffalo } from './buffaloChild.ts';
import { waitFor, whileRunning } from '../helpers/waitFor.ts';

// What an attacker could sign with before: the constant the sandbox wiring used to put in force.
const OLD_SOURCE_CONSTANT = 'whsec_buffalo_sandbox_local';
const OPERATOR = {
  API_KEY: 'bk_operator_api_key_0123456789abcd',
  ADMIN_API_KEY: 'bka_operator_admin_key_0123456789ab',
  JWT_SECRET: 'operator-jwt-secret-0123456789abcdef0123',
  STRIPE_WEBHOOK_SECRET: 'whsec_operator_secret_0123456789abcdef',
  BUFFALO_SECRET_KEY: 'a56d1ac83fd43161985292c8c089aae7d65ea78d810b1ead4a69ad40eb097349',
};

interface Running {
  child: ChildProcess;
  base: string;
  sandboxPort: number;
  stdout(): string;
  stop(): Promise<void>;
}

/** `buffalo start` against the test database with `extra` env; resolves once /readyz answers 200. */
async function startBuffalo(db: TestDbFixture, extra: Record<string, string>): Promise<Running> {
  const { dataDir, apiPort, env } = await isolatedBuffalo('buffalo-prodsafety-');
  const child = spawn(process.execPath, [BIN, 'start'], { cwd: dataDir, env: { ...env, DATABASE_URL: db.url, LOG_LEVEL: 'info', ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const base = `http://127.0.0.1:${apiPort}`;
  const running: Running = {
    child,
    base,
    sandboxPort: Number(env.SANDBOX_PORT),
    stdout: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await closed;
    },
  };
  await waitFor('readyz 200 and the banner', async () => out.includes('Buffalo is up') && (await fetch(`${base}/readyz`).then((r) => r.status === 200, () => false)), { timeoutMs: 60_000, ...whileRunning(child, () => out, 'readyz 200') });
  return running;
}


function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function signedEvent(secret: string, id: string): { body: string; signature: string } {
  const body = JSON.stringify({
    id,
    object: 'event',
    type: 'charge.succeeded',
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: `ch_${id}`, object: 'charge', amount: 987654321, currency: 'usd', status: 'succeeded', paid: true, captured: true, amount_refunded: 0, refunded: false, created: Math.floor(Date.now() / 1000) } },
  });
  return { body, signature: Stripe.webhooks.generateTestHeaderString({ payload: body, secret }) };
}

async function postWebhook(base: string, ev: { body: string; signature: string }): Promise<Response> {
  return fetch(`${base}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': ev.signature }, body: ev.body });
}

describe('production safety: NODE_ENV=production never simulates, never prints or replaces a secret', () => {
  const db = useTestDb();
  let buffalo: Running;
  before(async () => {
    // Notices would go to the discard port: nothing listens there, the scheduler only logs it.
    buffalo = await startBuffalo(db, { NODE_ENV: 'production', ...OPERATOR, NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9/notices' });
    db.onClose(() => buffalo.stop());
  });

  it('starts no simulator and says which upstreams are not configured (banner and /readyz)', async () => {
    for (let i = 0; i < 6; i++) assert.equal(await listening(buffalo.sandboxPort + i), false, `nothing listens on sandbox port +${i}`);
    const out = buffalo.stdout();
    assert.doesNotMatch(out, /simulating/);
    assert.match(out, /inventory not configured: set INVENTORY_API_BASE_URL/);
    const ready = (await (await fetch(`${buffalo.base}/readyz`)).json()) as { checks: { upstreams: Record<string, { state: string; missing?: string[] }> } };
    assert.deepEqual(ready.checks.upstreams.inventory, { state: 'not configured', missing: ['INVENTORY_API_BASE_URL'] });
    assert.deepEqual(ready.checks.upstreams.stripe, { state: 'not configured', missing: ['STRIPE_API_KEY'] });
  });

  it('prints no secret: keys from the environment appear masked, the dashboard link carries none', () => {
    const out = buffalo.stdout();
    for (const [name, value] of Object.entries(OPERATOR)) assert.ok(!out.includes(value), `${name} is not printed`);
    assert.doesNotMatch(out, /#key=/);
  });

  it('warns that notices to NOTIFY_WEBHOOK_URL go unsigned while NOTIFY_WEBHOOK_SECRET is unset', () => {
    assert.match(buffalo.stdout(), /WARNING +NOTIFY_WEBHOOK_URL without NOTIFY_WEBHOOK_SECRET: notices go unsigned/);
  });

  it('a webhook signed with the old source constant is refused; the operator secret is the one in force', async () => {
    const forged = await postWebhook(buffalo.base, signedEvent(OLD_SOURCE_CONSTANT, 'evt_forged'));
    assert.equal(forged.status, 400);
    assert.equal(((await forged.json()) as { error: string }).error, 'webhook_signature_invalid');
    const genuine = await postWebhook(buffalo.base, signedEvent(OPERATOR.STRIPE_WEBHOOK_SECRET, 'evt_genuine'));
    assert.equal(genuine.status, 200);
    const { rows } = await db.pool.query<{ event_id: string }>('SELECT event_id FROM webhook_events ORDER BY event_id');
    assert.deepEqual(rows.map((r) => r.event_id), ['evt_genuine']);
  });

  it('routes of unconfigured upstreams answer 503 naming the variable, after authentication', async () => {
    const token = await signDevToken(OPERATOR.JWT_SECRET, 'customer-1');
    const order = await fetch(`${buffalo.base}/api/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'prod-safety-1', 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: 'customer-1', items: [{ productId: 'product-456', quantity: 2, price: 29.99 }] }),
    });
    assert.equal(order.status, 503);
    const body = (await order.json()) as { error: string; message: string; missing: string[] };
    assert.equal(body.error, 'upstream_not_configured');
    assert.match(body.message, /INVENTORY_API_BASE_URL/);
    assert.deepEqual(body.missing, ['INVENTORY_API_BASE_URL']);

    assert.equal((await fetch(`${buffalo.base}/getUsers`)).status, 401, 'no key: 401 before anything else');
    const users = await fetch(`${buffalo.base}/getUsers`, { headers: { 'x-api-key': OPERATOR.API_KEY } });
    assert.equal(users.status, 503);
    assert.match(((await users.json()) as { message: string }).message, /EVENT_API_BASE_URL/);

    const trigger = await fetch(`${buffalo.base}/trigger/hubspot/incremental`, { method: 'POST', headers: { 'x-admin-api-key': OPERATOR.ADMIN_API_KEY, 'idempotency-key': 'prod-safety-2' } });
    assert.equal(trigger.status, 503);
    assert.match(((await trigger.json()) as { message: string }).message, /HUBSPOT_ACCESS_TOKEN/);
  });
});

describe('development sandbox: the simulators take the operator’s values and never replace them', () => {
  const db = useTestDb();
  let buffalo: Running;
  before(async () => {
    // The operator set a webhook secret and the API key; admin key and JWT secret are generated.
    buffalo = await startBuffalo(db, { NODE_ENV: 'development', API_KEY: OPERATOR.API_KEY, STRIPE_WEBHOOK_SECRET: OPERATOR.STRIPE_WEBHOOK_SECRET, SYNC_INTERVAL_MS: '3600000' });
    db.onClose(() => buffalo.stop());
  });

  it('the Stripe simulator signs its webhooks with the operator’s secret, and they are accepted', async () => {
    const advance = await fetch(`http://127.0.0.1:${buffalo.sandboxPort}/__sandbox/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hours: 2 }) });
    assert.equal(advance.status, 200);
    await waitFor('a simulated webhook to be stored', async () => (await db.pool.query('SELECT 1 FROM webhook_events LIMIT 1')).rowCount === 1, { timeoutMs: 30_000, ...whileRunning(buffalo.child, buffalo.stdout, 'a stored webhook') });
    const forged = await postWebhook(buffalo.base, signedEvent(OLD_SOURCE_CONSTANT, 'evt_forged_dev'));
    assert.equal(forged.status, 400, 'the old constant is no secret in development either');
  });

  it('the banner lists the simulators’ development credentials, masks the operator’s values and links the dashboard without a key it did not generate', () => {
    const out = buffalo.stdout();
    assert.match(out, /STRIPE_API_KEY=sk_test_buffalo_sandbox/);
    assert.match(out, /HUBSPOT_ACCESS_TOKEN=\S+/);
    assert.match(out, /STRIPE_WEBHOOK_SECRET=whsec_…[\w-]{4}\n/);
    assert.ok(!out.includes(OPERATOR.STRIPE_WEBHOOK_SECRET), 'the operator webhook secret is not printed');
    assert.ok(!out.includes(OPERATOR.API_KEY), 'the operator API key is not printed');
    assert.match(out, /X-Api-Key: +bk_…abcd/);
    assert.match(out, /X-Admin-Api-Key: +bka_[\w-]{20,}/, 'a generated development key is printed whole');
    assert.doesNotMatch(out, /#key=/);
  });
});

describe('production refuses to start on shared or placeholder secrets', () => {
  it('one trivial value for both API keys, a trivial JWT secret and an all-zero BUFFALO_SECRET_KEY: exit 2, one line per variable, no value printed', async () => {
    const { dataDir, env } = await isolatedBuffalo('buffalo-weak-secrets-');
    const weak = { API_KEY: 'a'.repeat(16), ADMIN_API_KEY: 'a'.repeat(16), JWT_SECRET: 'a'.repeat(32), BUFFALO_SECRET_KEY: Buffer.alloc(32).toString('base64') };
    const child = spawn(process.execPath, [BIN, 'start'], { cwd: dataDir, env: { ...env, NODE_ENV: 'production', ...weak }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    assert.equal(code, 2, out);
    assert.doesNotMatch(out, /Buffalo is up/);
    assert.match(out, /^ {2}- ADMIN_API_KEY: must differ from API_KEY .*when NODE_ENV=production$/m);
    assert.match(out, /^ {2}- API_KEY: expected at least 8 different characters/m);
    assert.match(out, /^ {2}- JWT_SECRET: expected at least 8 different characters/m);
    assert.match(out, /^ {2}- BUFFALO_SECRET_KEY: expected 32 random bytes, got a repeating pattern/m);
    assert.ok(!out.includes('aaaa') && !out.includes(weak.BUFFALO_SECRET_KEY), 'no value is printed');
  });
});
