/**
 * The connections admin API against the real database and the sandbox simulators over HTTP:
 * credentials are checked with the simulator, stored sealed (never in clear, never answered,
 * never logged), and the defaults stand for the environment.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { useTestDb } from '../helpers/testResources.ts';
import { ADMIN_HEADERS, API_HEADERS, TEST_KEYS } from '../helpers/app.ts';
import { resolveConfig } from '../../src/config.ts';
import { connectionRoutes, createCredentialChecker, createSecretBox, openCredentials, type SecretBox } from '../../src/connections/index.ts';
import { buildApp, type App } from '../../src/http/index.ts';
import { createLogger } from '../../src/log.ts';
import { ADPLATFORM_DEV_CREDENTIALS, startAdPlatformSimulator } from '../../src/sandbox/adplatform/index.ts';
import { startGcalSimulator } from '../../src/sandbox/gcal/index.ts';
import { startHubspotSimulator } from '../../src/sandbox/hubspot/index.ts';
import { startStripeSimulator } from '../../src/sandbox/stripe/index.ts';

const GOOD_STRIPE_KEY = 'sk_test_goodKeyOnlyThisOne0123456789';
const BAD_STRIPE_KEY = 'sk_test_wrongKeyNotAccepted987654321';
const HUBSPOT_TOKEN = 'pat-na1-good-token-0123456789';
const FEW = { records: 5 };

describe('connections API against the simulators', () => {
  const db = useTestDb();
  let app: App;
  let box: SecretBox;
  let logs = '';
  const urls = { stripe: '', hubspot: '', gcal: '', adplatform: '' };
  let key = 0;
  const admin = () => ({ ...ADMIN_HEADERS, 'idempotency-key': `conn-${++key}` });
  const post = (payload: object, headers = admin()) => app.inject({ method: 'POST', url: '/connections', headers, payload });
  const stored = async (id: string) => (await db.pool.query('SELECT * FROM connections WHERE id = $1', [id])).rows[0];

  before(async () => {
    const stripe = db.closeLater(await startStripeSimulator({ port: 0, apiKey: GOOD_STRIPE_KEY, faults: FEW }));
    const hubspot = db.closeLater(await startHubspotSimulator({ port: 0, accessToken: HUBSPOT_TOKEN, faults: FEW }));
    const gcal = db.closeLater(await startGcalSimulator({ port: 0, faults: FEW }));
    const adplatform = db.closeLater(await startAdPlatformSimulator({ port: 0, faults: FEW }));
    Object.assign(urls, { stripe: stripe.url, hubspot: hubspot.url, gcal: gcal.url, adplatform: adplatform.url });
    const config = resolveConfig({ NODE_ENV: 'test', STRIPE_API_BASE: stripe.url, HUBSPOT_API_BASE: hubspot.url, GCAL_API_BASE: gcal.url, AD_PLATFORM_API_URL: adplatform.url, STRIPE_RETRY_BASE_MS: '5', HUBSPOT_RETRY_BASE_MS: '5' });
    // Everything the app logs, at the most verbose level, to assert no secret ever reaches it.
    const sink = new PassThrough();
    sink.on('data', (d: Buffer) => (logs += d.toString()));
    const logger = createLogger({ level: 'trace' }, sink);
    box = createSecretBox(Buffer.alloc(32, 0x5a));
    app = db.closeLater(await buildApp({ pool: db.pool, logger, auth: TEST_KEYS }));
    await app.register(connectionRoutes, { pool: db.pool, box, check: createCredentialChecker(config, { logger }) });
    await app.ready();
  });

  it('create with good credentials: 201 without credentials, sealed in the row (never the plaintext), opened only by openCredentials', async () => {
    const res = await post({ provider: 'stripe', name: 'acme', credentials: { apiKey: GOOD_STRIPE_KEY, webhookSecret: 'whsec_acmeSigningSecret123' }, schedule: { intervalMs: 60_000 } });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.match(body.id, /^conn_[a-z2-7]{16}$/);
    assert.deepEqual(Object.keys(body).sort(), ['createdAt', 'id', 'name', 'provider', 'schedule', 'settings', 'status', 'statusReason', 'updatedAt']);
    assert.deepEqual([body.provider, body.name, body.status, body.statusReason, body.schedule, body.settings], ['stripe', 'acme', 'active', null, { intervalMs: 60_000 }, {}]);
    assert.ok(!res.body.includes(GOOD_STRIPE_KEY) && !res.body.includes('whsec_acme'));

    const row = await stored(body.id);
    assert.match(row.credentials_sealed, /^v1\.[0-9a-f]{12}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(row.credentials_key_id, box.keyId);
    assert.ok(!JSON.stringify(row).includes(GOOD_STRIPE_KEY), 'the row never holds the plaintext');
    assert.ok(!JSON.stringify(row).includes('whsec_acme'));
    assert.deepEqual(await openCredentials({ pool: db.pool, box }, body.id), { provider: 'stripe', credentials: { apiKey: GOOD_STRIPE_KEY, webhookSecret: 'whsec_acmeSigningSecret123' } });
    assert.equal(await openCredentials({ pool: db.pool, box }, 'stripe-default'), null, 'a default connection uses the environment');
  });

  it('refused credentials: 422 invalid_credentials with what the upstream said (never the secret), nothing stored', async () => {
    const before = (await db.pool.query('SELECT count(*)::int AS n FROM connections')).rows[0].n;
    const res = await post({ provider: 'stripe', name: 'bad', credentials: { apiKey: BAD_STRIPE_KEY } });
    assert.equal(res.statusCode, 422, res.body);
    const body = res.json();
    assert.equal(body.error, 'invalid_credentials');
    assert.equal(body.provider, 'stripe');
    assert.match(body.message, /stripe refused the credentials: HTTP 401: Invalid API Key provided/);
    assert.ok(!res.body.includes(BAD_STRIPE_KEY) && !res.body.includes(BAD_STRIPE_KEY.slice(-4) + '"'), res.body);
    const hub = await post({ provider: 'hubspot', name: 'bad', credentials: { accessToken: 'pat-wrong-token' } });
    assert.equal(hub.statusCode, 422, hub.body);
    assert.match(hub.json().message, /HTTP 401: Authentication credentials not found/);
    const ad = await post({ provider: 'adplatform', name: 'bad', credentials: { email: ADPLATFORM_DEV_CREDENTIALS.email, password: 'not-the-password' } });
    assert.equal(ad.statusCode, 422, ad.body);
    assert.match(ad.json().message, /Email or password is incorrect/);
    const cal = await post({ provider: 'gcal', name: 'bad', credentials: { accessToken: 'ya29.anything', refreshToken: 'r', expiresAt: '2030-01-01T00:00:00Z' }, settings: { calendarId: 'nobody@example.com' } });
    assert.equal(cal.statusCode, 422, cal.body);
    assert.match(cal.json().message, /HTTP 404.*not shared with these credentials/);
    assert.equal((await db.pool.query('SELECT count(*)::int AS n FROM connections')).rows[0].n, before);
  });

  it('every provider: good sandbox credentials are accepted (gcal service account and OAuth tokens, ad platform login, HubSpot token)', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const cases = [
      { provider: 'hubspot', name: 'portal-1', credentials: { accessToken: HUBSPOT_TOKEN } },
      { provider: 'gcal', name: 'team', credentials: { clientEmail: 'sync@project.iam.gserviceaccount.com', privateKey } },
      { provider: 'gcal', name: 'user', credentials: { accessToken: 'ya29.user', refreshToken: '1//refresh', expiresAt: '2030-01-01T00:00:00Z' }, settings: { calendarId: 'primary' } },
      { provider: 'adplatform', name: 'client-1', credentials: { ...ADPLATFORM_DEV_CREDENTIALS, clientId: 'client-1' }, settings: { apiUrl: urls.adplatform } },
    ];
    for (const c of cases) {
      const res = await post(c);
      assert.equal(res.statusCode, 201, `${c.provider}/${c.name}: ${res.body}`);
      assert.deepEqual(res.json().settings, c.settings ?? {});
    }
  });

  it('bad input names the field and never echoes the value; duplicate names are 409; an unreachable upstream is 503 and stores nothing', async () => {
    const missing = await post({ provider: 'stripe', name: 'x', credentials: {} });
    assert.equal(missing.statusCode, 400);
    assert.deepEqual([missing.json().error, missing.json().message, missing.json().field], ['validation_failed', 'credentials.apiKey: Required', 'credentials.apiKey']);
    const wrong = await post({ provider: 'stripe', name: 'x', credentials: { apiKey: 'pk_live_publishableSecretish' } });
    assert.equal(wrong.json().message, 'credentials.apiKey: expected a secret key starting with sk_ or rk_');
    assert.ok(!wrong.body.includes('publishableSecretish'));
    const extra = await post({ provider: 'hubspot', name: 'x', credentials: { accessToken: 'pat-1', apiKey: 'oops' } });
    assert.equal(extra.json().field, 'credentials.apiKey');
    const gcal = await post({ provider: 'gcal', name: 'x', credentials: { clientEmail: 'a@b.example' } });
    assert.equal(gcal.json().message, 'credentials.privateKey: Required');
    const settings = await post({ provider: 'gcal', name: 'x', credentials: { accessToken: 'a', refreshToken: 'b', expiresAt: '2030-01-01T00:00:00Z' }, settings: { apiUrl: 'http://x' } });
    assert.equal(settings.json().field, 'settings.apiUrl');

    const malformed = await app.inject({ method: 'POST', url: '/connections', headers: { ...admin(), 'content-type': 'application/json' }, payload: '{"provider": "stripe", "credentials": {"apiKey": sk_live_malformedSecret}}' });
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().error, 'malformed_json');
    assert.ok(!malformed.body.includes('malformedSecret'));

    const dup = await post({ provider: 'stripe', name: 'acme', credentials: { apiKey: GOOD_STRIPE_KEY } });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().error, 'connection_name_taken');

    const down = await post({ provider: 'stripe', name: 'down', credentials: { apiKey: GOOD_STRIPE_KEY }, settings: { apiBase: 'http://127.0.0.1:9' } });
    assert.equal(down.statusCode, 503, down.body);
    assert.equal(down.json().error, 'upstream_unreachable');
    assert.match(down.json().message, /stripe is unreachable.*nothing was stored/);
    assert.equal((await db.pool.query("SELECT count(*)::int AS n FROM connections WHERE name = 'down'")).rows[0].n, 0);
  });

  it('list filters by provider and status; get one; unknown id 404; admin key required', async () => {
    const all = (await app.inject({ method: 'GET', url: '/connections', headers: ADMIN_HEADERS })).json().connections as Array<{ id: string; provider: string; status: string }>;
    assert.ok(all.some((c) => c.id === 'stripe-default') && all.some((c) => c.id === 'adplatform-default'));
    const stripe = (await app.inject({ method: 'GET', url: '/connections?provider=stripe', headers: ADMIN_HEADERS })).json().connections as Array<{ id: string; name: string }>;
    assert.deepEqual(stripe.map((c) => c.name), ['default', 'acme'], 'the default first');
    const paused = await app.inject({ method: 'GET', url: '/connections?status=paused', headers: ADMIN_HEADERS });
    assert.deepEqual(paused.json().connections, []);
    const one = await app.inject({ method: 'GET', url: '/connections/stripe-default', headers: ADMIN_HEADERS });
    assert.equal(one.json().name, 'default');
    assert.equal((await app.inject({ method: 'GET', url: '/connections/conn_nope', headers: ADMIN_HEADERS })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/connections', headers: API_HEADERS })).statusCode, 401, 'the API key is not enough');
    assert.equal((await app.inject({ method: 'GET', url: '/connections?status=gone', headers: ADMIN_HEADERS })).statusCode, 400);
  });

  it('patch: pause, resume (clears broken), rename, schedule, rotate credentials (re-checked, re-sealed)', async () => {
    const id = (await app.inject({ method: 'GET', url: '/connections?provider=stripe', headers: ADMIN_HEADERS })).json().connections.find((c: { name: string }) => c.name === 'acme').id as string;
    const patch = (payload: object) => app.inject({ method: 'PATCH', url: `/connections/${id}`, headers: admin(), payload });

    const paused = await patch({ status: 'paused' });
    assert.equal(paused.statusCode, 200, paused.body);
    assert.equal(paused.json().status, 'paused');
    assert.deepEqual((await app.inject({ method: 'GET', url: '/connections?status=paused', headers: ADMIN_HEADERS })).json().connections.map((c: { id: string }) => c.id), [id]);
    assert.equal((await patch({ status: 'broken' })).statusCode, 400, 'broken cannot be set by hand');

    await db.pool.query("UPDATE connections SET status = 'broken', status_reason = 'token refresh refused' WHERE id = $1", [id]);
    const resumed = await patch({ status: 'active' });
    assert.deepEqual([resumed.json().status, resumed.json().statusReason], ['active', null]);

    const renamed = await patch({ name: 'acme-eu', schedule: { intervalMs: null } });
    assert.deepEqual([renamed.json().name, renamed.json().schedule], ['acme-eu', { intervalMs: null }]);
    assert.ok(Date.parse(renamed.json().updatedAt) >= Date.parse(paused.json().updatedAt));

    const sealedBefore = (await stored(id)).credentials_sealed;
    const refused = await patch({ credentials: { apiKey: BAD_STRIPE_KEY } });
    assert.equal(refused.statusCode, 422);
    assert.equal((await stored(id)).credentials_sealed, sealedBefore, 'refused credentials change nothing');

    await db.pool.query("UPDATE connections SET status = 'broken', status_reason = 'key revoked' WHERE id = $1", [id]);
    const rotated = await patch({ credentials: { apiKey: GOOD_STRIPE_KEY } });
    assert.equal(rotated.statusCode, 200, rotated.body);
    assert.deepEqual([rotated.json().status, rotated.json().statusReason], ['active', null], 'working credentials clear broken');
    const row = await stored(id);
    assert.notEqual(row.credentials_sealed, sealedBefore);
    assert.deepEqual(await openCredentials({ pool: db.pool, box }, id), { provider: 'stripe', credentials: { apiKey: GOOD_STRIPE_KEY } });

    const defaults = await app.inject({ method: 'PATCH', url: '/connections/stripe-default', headers: admin(), payload: { credentials: { apiKey: GOOD_STRIPE_KEY } } });
    assert.equal(defaults.statusCode, 409);
    assert.match(defaults.json().message, /default stripe connection: its credentials come from the environment/);
    const pauseDefault = await app.inject({ method: 'PATCH', url: '/connections/stripe-default', headers: admin(), payload: { status: 'paused' } });
    assert.equal(pauseDefault.json().status, 'paused');
  });

  it('idempotent POST: the same key and body replays the 201 without a second check or row; another body is 422', async () => {
    const headers = admin();
    const payload = { provider: 'hubspot', name: 'replayed', credentials: { accessToken: HUBSPOT_TOKEN } };
    const first = await post(payload, headers);
    assert.equal(first.statusCode, 201, first.body);
    const again = await post(payload, headers);
    assert.equal(again.statusCode, 201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.json(), first.json());
    assert.equal((await db.pool.query("SELECT count(*)::int AS n FROM connections WHERE name = 'replayed'")).rows[0].n, 1);
    assert.equal((await post({ ...payload, name: 'other' }, headers)).statusCode, 422);
    const stored = (await db.pool.query('SELECT response_body::text AS body FROM idempotency_keys WHERE key = $1', [headers['idempotency-key']])).rows[0];
    assert.ok(!stored.body.includes(HUBSPOT_TOKEN), 'the stored answer holds no credentials');
    assert.equal((await app.inject({ method: 'POST', url: '/connections', headers: ADMIN_HEADERS, payload })).json().error, 'idempotency_key_required');
  });

  it('delete: 204, then 404; the default connections are refused with 409 saying why', async () => {
    const created = await post({ provider: 'hubspot', name: 'to-delete', credentials: { accessToken: HUBSPOT_TOKEN } });
    const id = created.json().id as string;
    const del = await app.inject({ method: 'DELETE', url: `/connections/${id}`, headers: admin() });
    assert.equal(del.statusCode, 204, del.body);
    assert.equal(await stored(id), undefined);
    assert.equal((await app.inject({ method: 'DELETE', url: `/connections/${id}`, headers: admin() })).statusCode, 404);
    const refused = await app.inject({ method: 'DELETE', url: '/connections/hubspot-default', headers: admin() });
    assert.equal(refused.statusCode, 409);
    assert.match(refused.json().message, /default hubspot connection .* cannot be deleted; pause it, or set HUBSPOT_ENABLED=false/);
  });

  it('nothing logged, at trace level, contains a secret that went through the API', () => {
    assert.ok(logs.length > 0, 'the capture saw the app log');
    for (const secret of [GOOD_STRIPE_KEY, BAD_STRIPE_KEY, HUBSPOT_TOKEN, 'whsec_acmeSigningSecret123', 'pat-wrong-token', 'not-the-password', 'publishableSecretish', 'malformedSecret', 'PRIVATE KEY', 'ya29.user', '1//refresh']) {
      assert.ok(!logs.includes(secret), `the log does not contain ${secret.slice(0, 6)}…`);
    }
  });
});
