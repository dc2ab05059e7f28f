/**
 * Connecting with OAuth, end to end against the HubSpot and Google simulators over HTTP and a
 * real PostgreSQL: GET /connect/:provider → the vendor's authorize URL (followed headless, as a
 * browser would) → the callback creates the connection with its tokens sealed; its syncs use
 * them, refresh them when they expire (stored back rotated), and a refused refresh breaks the
 * connection with a notice. Two processes due at once refresh once.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApi } from '../../src/cli/start.ts';
import { withOverrides } from '../../src/config.ts';
import { createConnectionConnectors, createOAuthPolicy, createOAuthTokenProvider, createSecretBox, openCredentials, operatorNotifier, type ConnectionBrokenNotice } from '../../src/connections/index.ts';
import { createPool, type Pool } from '../../src/db/index.ts';
import type { App } from '../../src/http/index.ts';
import { runSync, type IngestDeps } from '../../src/ingest/index.ts';
import { silentLogger } from '../../src/log.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import type { HubspotTruth } from '../../src/sandbox/hubspot/state.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { drainOutbox } from '../ingest/fixtures/support.ts';
import { controlSim, startSandboxDeps } from '../ingest/fixtures/sandboxDeps.ts';

const KEYS = { API_KEY: 'oauth-test-api-key-0123456789', ADMIN_API_KEY: 'oauth-test-admin-key-0123456789' };
const NOTICE_SECRET = 'oauth-notice-secret-0123456789';
const SECRET_KEY = Buffer.alloc(32, 0x17);
const box = createSecretBox(SECRET_KEY);
type OAuthCreds = { accessToken: string; refreshToken: string; expiresAt: string };

describe('connecting with OAuth', () => {
  const db = useTestDb();
  let sandbox: Sandbox;
  let deps: IngestDeps;
  let app: App;
  let receiver: Server;
  const notices: ConnectionBrokenNotice[] = [];
  const noticeSignatures: string[] = [];
  const noticeBodies: string[] = [];
  const admin = { 'x-admin-api-key': KEYS.ADMIN_API_KEY };
  const ids = { acme: '', google: '' };

  const tokensOf = async (id: string) => (await openCredentials({ pool: db.pool, box }, id))!.credentials as OAuthCreds;
  const rowText = async (id: string) => JSON.stringify((await db.pool.query('SELECT * FROM connections WHERE id = $1', [id])).rows[0]);

  /** GET /connect/:provider, follow the authorize URL as `account`, and answer the callback URL it redirects to. */
  async function authorize(provider: 'hubspot' | 'gcal', name: string, account: number): Promise<{ callback: string; authorizeUrl: URL }> {
    const start = await app.inject({ method: 'GET', url: `/connect/${provider}?name=${encodeURIComponent(name)}`, headers: admin });
    assert.equal(start.statusCode, 200, start.body);
    const authorizeUrl = new URL(start.json<{ authorizeUrl: string }>().authorizeUrl);
    assert.equal(authorizeUrl.searchParams.get('state'), start.json<{ state: string }>().state);
    const at = new URL(authorizeUrl);
    at.searchParams.set(provider === 'hubspot' ? 'portal' : 'account', String(account));
    const res = await fetch(at, { redirect: 'manual' });
    assert.equal(res.status, 302);
    const location = new URL(res.headers.get('location')!);
    assert.equal(location.pathname, `/connect/${provider}/callback`);
    return { callback: `${location.pathname}${location.search}`, authorizeUrl };
  }

  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        notices.push(JSON.parse(body) as ConnectionBrokenNotice);
        noticeSignatures.push(String(req.headers['buffalo-signature']));
        noticeBodies.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    db.onClose(() => new Promise((resolve) => receiver.close(resolve)));
    ({ sandbox, deps } = await startSandboxDeps(db.pool, ['hubspot', 'gcal'], {
      env: { SANDBOX_HUBSPOT_ACCOUNTS: '2', SANDBOX_GCAL_ACCOUNTS: '2', SANDBOX_HUBSPOT_RECORDS: '30', SANDBOX_GCAL_RECORDS: '30', SANDBOX_HUBSPOT_POISON_RATE: '0', SANDBOX_HUBSPOT_HOSTILE_RATE: '0' },
      configEnv: { ...KEYS, BUFFALO_SECRET_KEY: SECRET_KEY.toString('hex'), NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notices`, NOTIFY_WEBHOOK_SECRET: NOTICE_SECRET },
    }));
    db.closeLater(sandbox);
    deps = { ...deps, connections: createConnectionConnectors({ pool: db.pool, box, config: deps.config, logger: deps.logger }) };
    app = db.closeLater(await buildApi(deps));
    await app.ready();
  });

  it('HubSpot: connect as portal 2 → connection with sealed tokens; its sync stores portal 2\'s contacts and deals', async () => {
    const { callback, authorizeUrl } = await authorize('hubspot', 'acme', 2);
    assert.equal(authorizeUrl.searchParams.get('client_id'), deps.config.oauth.hubspot.clientId);
    assert.equal(authorizeUrl.searchParams.get('redirect_uri'), 'http://127.0.0.1:3000/connect/hubspot/callback');
    assert.equal(authorizeUrl.searchParams.get('code_challenge'), null, 'HubSpot documents no PKCE');
    const done = await app.inject({ method: 'GET', url: callback });
    assert.equal(done.statusCode, 200, done.body);
    const created = done.json<{ connectionId: string; provider: string; name: string; status: string }>();
    assert.deepEqual({ ...created, connectionId: undefined }, { connectionId: undefined, provider: 'hubspot', name: 'acme', status: 'active' });
    ids.acme = created.connectionId;

    const tokens = await tokensOf(ids.acme);
    assert.ok(tokens.accessToken && tokens.refreshToken && Date.parse(tokens.expiresAt) > Date.now());
    const row = await rowText(ids.acme);
    assert.ok(!row.includes(tokens.accessToken) && !row.includes(tokens.refreshToken), 'no token in clear in the row');
    const states = JSON.stringify((await db.pool.query('SELECT * FROM oauth_states')).rows);
    assert.ok(!states.includes(new URL(callback, 'http://x').searchParams.get('state')!), 'the state is stored hashed');

    const run = await runSync(deps, { source: 'hubspot', connectionId: ids.acme, mode: 'full' });
    assert.equal(run.status, 'success', run.error ?? '');
    assert.equal((await drainOutbox(deps)).dead, 0);
    const truth = (await (await fetch(`${sandbox.urls.hubspot}/__sandbox/accounts/2/truth`)).json()) as HubspotTruth;
    const stored = async (table: string) => (await db.pool.query<{ external_id: string }>(`SELECT external_id FROM ${table} WHERE connection_id = $1 AND deleted_at IS NULL ORDER BY 1`, [ids.acme])).rows.map((r) => r.external_id);
    assert.deepEqual(await stored('contacts'), truth.contacts.filter((c) => !c.archived).map((c) => c.id).sort());
    assert.ok((await stored('payments')).length > 0, 'deals stored');
  });

  it('HubSpot: an expired access token is refreshed during the sync and the new one stored sealed', async () => {
    const before = await tokensOf(ids.acme);
    sandbox.simulators.hubspot!.clock.advance(31 * 60_000);
    const run = await runSync(deps, { source: 'hubspot', connectionId: ids.acme, mode: 'incremental' });
    assert.equal(run.status, 'success', run.error ?? '');
    const afterRefresh = await tokensOf(ids.acme);
    assert.notEqual(afterRefresh.accessToken, before.accessToken, 'rotated access token stored');
    assert.equal(afterRefresh.refreshToken, before.refreshToken, 'HubSpot answered the same refresh token');
    assert.ok(!(await rowText(ids.acme)).includes(afterRefresh.accessToken));
  });

  it('HubSpot: a revoked refresh token → connection broken with the reason, notice delivered, run failed', async () => {
    const { refreshToken } = await tokensOf(ids.acme);
    await controlSim(sandbox, 'hubspot', '/__sandbox/oauth/revoke', { refresh_token: refreshToken });
    sandbox.simulators.hubspot!.clock.advance(31 * 60_000);
    const run = await runSync(deps, { source: 'hubspot', connectionId: ids.acme, mode: 'incremental' });
    assert.equal(run.status, 'failed');
    assert.match(run.error ?? '', /broken.*BAD_REFRESH_TOKEN/);
    const row = (await db.pool.query<{ status: string; status_reason: string }>('SELECT status, status_reason FROM connections WHERE id = $1', [ids.acme])).rows[0]!;
    assert.equal(row.status, 'broken');
    assert.match(row.status_reason, /hubspot refused the token refresh \(BAD_REFRESH_TOKEN/);
    assert.deepEqual(notices, [{ type: 'connection.broken', connectionId: ids.acme, provider: 'hubspot', reason: row.status_reason }]);
    assert.ok(!JSON.stringify(notices).includes(refreshToken));
    const signed = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(noticeSignatures[0] ?? '');
    assert.ok(signed, 'the notice carries Buffalo-Signature');
    assert.equal(signed[2], createHmac('sha256', NOTICE_SECRET).update(`${signed[1]}.${noticeBodies[0]}`).digest('hex'), 'signed with NOTIFY_WEBHOOK_SECRET');
  });

  it('Google: PKCE flow as account 2; the state is single use; a short-lived token is refreshed and the refresh token kept', async () => {
    await controlSim(sandbox, 'gcal', '/__sandbox/faults', { tokenTtlS: 30 });
    const { callback, authorizeUrl } = await authorize('gcal', 'google', 2);
    const q = authorizeUrl.searchParams;
    assert.deepEqual([q.get('code_challenge_method'), q.get('access_type'), q.get('prompt'), q.get('response_type')], ['S256', 'offline', 'consent', 'code']);
    assert.match(q.get('code_challenge') ?? '', /^[\w-]{43}$/);
    const done = await app.inject({ method: 'GET', url: callback });
    assert.equal(done.statusCode, 200, done.body);
    ids.google = done.json<{ connectionId: string }>().connectionId;

    const replay = await app.inject({ method: 'GET', url: callback });
    assert.equal(replay.statusCode, 400);
    assert.equal(replay.json<{ error: string }>().error, 'oauth_state_invalid');
    assert.match(replay.json<{ message: string }>().message, /already used/);
    const forged = await app.inject({ method: 'GET', url: '/connect/gcal/callback?code=x&state=not-a-state' });
    assert.equal(forged.statusCode, 400);
    assert.match(forged.json<{ message: string }>().message, /unknown/);

    // 30 s tokens are inside the refresh margin: the sync refreshes before its first call.
    const before = await tokensOf(ids.google);
    const run = await runSync(deps, { source: 'gcal', connectionId: ids.google, mode: 'full' });
    assert.equal(run.status, 'success', run.error ?? '');
    await drainOutbox(deps);
    const events = await db.pool.query('SELECT 1 FROM calendar_events WHERE connection_id = $1', [ids.google]);
    assert.ok(events.rowCount! > 0, 'events stored');
    const afterRefresh = await tokensOf(ids.google);
    assert.notEqual(afterRefresh.accessToken, before.accessToken);
    assert.equal(afterRefresh.refreshToken, before.refreshToken, 'Google sent no new refresh token: the old one is kept');
  });

  it('two processes due for a refresh at once refresh once', async () => {
    await controlSim(sandbox, 'gcal', '/__sandbox/faults', { tokenTtlS: 30 });
    const { callback } = await authorize('gcal', 'twins', 1);
    const id = (await app.inject({ method: 'GET', url: callback })).json<{ connectionId: string }>().connectionId;
    const original = await tokensOf(id);
    const pools: Pool[] = [createPool(db.url, { max: 3 }), createPool(db.url, { max: 3 })];
    try {
      const providers = pools.map((pool) =>
        createOAuthTokenProvider({ pool, box, config: deps.config, logger: silentLogger, policy: createOAuthPolicy(deps.config, 'gcal', silentLogger), notify: operatorNotifier({ url: undefined, secret: undefined }, silentLogger) }, { id, provider: 'gcal' }),
      );
      const [a, b] = await Promise.all(providers.map((p) => p.getToken()));
      assert.equal(a, b, 'the second process took the first one\'s token');
      assert.notEqual(a, original.accessToken);
      assert.equal((await tokensOf(id)).accessToken, a);
      assert.equal(providers[0]!.refreshes() + providers[1]!.refreshes(), 1);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('refusals: the user denied access → 400; no OAuth client → 503 naming the variables; the API key guards the start', async () => {
    const start = await app.inject({ method: 'GET', url: '/connect/hubspot?name=denied', headers: admin });
    const state = start.json<{ state: string }>().state;
    const denied = await app.inject({ method: 'GET', url: `/connect/hubspot/callback?error=access_denied&state=${state}` });
    assert.equal(denied.statusCode, 400);
    assert.equal(denied.json<{ error: string }>().error, 'oauth_denied');
    assert.match(denied.json<{ message: string }>().message, /denied access/);
    const late = await app.inject({ method: 'GET', url: `/connect/hubspot/callback?code=x&state=${state}` });
    assert.match(late.json<{ message: string }>().message, /already used/);

    assert.equal((await app.inject({ method: 'GET', url: '/connect/hubspot?name=x' })).statusCode, 401);
    assert.equal((await app.inject({ method: 'GET', url: '/connect/stripe?name=x', headers: admin })).statusCode, 400);
    const config = withOverrides(deps.config, { oauth: { ...deps.config.oauth, gcal: { ...deps.config.oauth.gcal, clientSecret: undefined } } });
    const bare = await buildApi({ ...deps, config });
    try {
      const res = await bare.inject({ method: 'GET', url: '/connect/gcal?name=x', headers: admin });
      assert.equal(res.statusCode, 503);
      assert.equal(res.json<{ error: string }>().error, 'upstream_not_configured');
      assert.match(res.json<{ message: string }>().message, /GOOGLE_OAUTH_CLIENT_SECRET/);
    } finally {
      await bare.close();
    }
  });
});
