import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sandboxAccountCredentials, startSandbox, type Sandbox } from '../../src/sandbox/index.ts';

const ENV = {
  SANDBOX_STRIPE_ACCOUNTS: '2',
  SANDBOX_HUBSPOT_ACCOUNTS: '2',
  SANDBOX_GCAL_ACCOUNTS: '2',
  SANDBOX_ADPLATFORM_ACCOUNTS: '2',
  SANDBOX_STRIPE_RECORDS: '30',
  SANDBOX_HUBSPOT_RECORDS: '30',
  SANDBOX_GCAL_RECORDS: '30',
  SANDBOX_ADPLATFORM_RECORDS: '10',
  SANDBOX_ADPLATFORM_SYNC_MS: '0',
  SANDBOX_ADPLATFORM_UNAVAILABLE_EVERY: '0',
  SANDBOX_ADPLATFORM_TIMEOUT_EVERY: '0',
};

const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;
const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const basic = (email: string, password: string) => `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;
// An unsigned JWT is enough: the simulator reads the issuer and checks no signature.
const assertion = (iss: string) => `e30.${Buffer.from(JSON.stringify({ iss })).toString('base64url')}.sig`;

async function adToken(url: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${url}/auth/token`, { method: 'POST', headers: { authorization: basic(email, password) } });
  assert.equal(res.status, 200);
  return (await json<{ access_token: string }>(res)).access_token;
}

describe('sandbox: many accounts per simulator', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startSandbox({ basePort: 0, only: ['stripe', 'hubspot', 'gcal', 'adplatform'], env: ENV });
  });
  after(() => sb.close());

  it('stripe: each key sees only its account\'s charges, a charge made under one key is invisible to the other, a key of no account is 401', async () => {
    const url = sb.urls.stripe!;
    const list = async (key: string) => (await json<{ data: Array<{ id: string }> }>(await fetch(`${url}/v1/charges?limit=100`, { headers: { authorization: `Bearer ${key}` } }))).data.map((c) => c.id);
    const k1 = sb.credentials.stripe.apiKey;
    const k2 = sandboxAccountCredentials('stripe', 2).apiKey;
    const [a, b] = [await list(k1), await list(k2)];
    assert.ok(a.length > 0 && b.length > 0);
    assert.deepEqual(a.filter((id) => b.includes(id)), []);
    const made = await fetch(`${url}/v1/charges`, { method: 'POST', headers: { authorization: `Bearer ${k2}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'amount=1234&currency=usd&source=tok_visa' });
    assert.equal(made.status, 200);
    const { id } = await json<{ id: string }>(made);
    assert.equal((await fetch(`${url}/v1/charges/${id}`, { headers: { authorization: `Bearer ${k2}` } })).status, 200);
    const other = await fetch(`${url}/v1/charges/${id}`, { headers: { authorization: `Bearer ${k1}` } });
    assert.equal(other.status, 404);
    const none = await fetch(`${url}/v1/charges`, { headers: { authorization: `Bearer ${sandboxAccountCredentials('stripe', 3).apiKey}` } });
    assert.equal(none.status, 401);
    assert.equal((await json<{ error: { type: string } }>(none)).error.type, 'invalid_request_error');
  });

  it('hubspot: each portal token sees only its portal\'s deals and has its own rate-limit window', async () => {
    const url = sb.urls.hubspot!;
    const ids = async (token: string) => (await json<{ results: Array<{ id: string }> }>(await fetch(`${url}/crm/v3/objects/deals?limit=100`, { headers: { authorization: `Bearer ${token}` } }))).results.map((r) => r.id);
    const t1 = sb.credentials.hubspot.accessToken;
    const t2 = sandboxAccountCredentials('hubspot', 2).accessToken;
    const [a, b] = [await ids(t1), await ids(t2)];
    assert.ok(a.length > 0 && b.length > 0);
    assert.notDeepEqual(a, b);
    const truth2 = await json<{ deals: Array<{ id: string }> }>(await fetch(`${url}/__sandbox/accounts/2/truth`));
    assert.deepEqual(b, truth2.deals.map((d) => d.id).slice(0, b.length));
    await post(`${url}/__sandbox/faults`, { rateLimitPerMin: 6 }); // 1 per ten seconds
    try {
      assert.equal((await fetch(`${url}/crm/v3/objects/deals?limit=1`, { headers: { authorization: `Bearer ${t2}` } })).status, 200);
      assert.equal((await fetch(`${url}/crm/v3/objects/deals?limit=1`, { headers: { authorization: `Bearer ${t2}` } })).status, 429);
      assert.equal((await fetch(`${url}/crm/v3/objects/deals?limit=1`, { headers: { authorization: `Bearer ${t1}` } })).status, 200);
    } finally {
      await post(`${url}/__sandbox/faults`, { rateLimitPerMin: 0 });
    }
  });

  it('gcal: a service account acts as its own account with its own calendar and events', async () => {
    const url = sb.urls.gcal!;
    const token = async (iss: string) =>
      (await json<{ access_token: string }>(await fetch(`${url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: assertion(iss) }).toString() }))).access_token;
    const acct2 = sandboxAccountCredentials('gcal', 2);
    const [t1, t2] = [await token('someone@else.example'), await token(acct2.clientEmail)];
    const events = async (t: string, cal = 'primary') => fetch(`${url}/calendar/v3/calendars/${encodeURIComponent(cal)}/events?maxResults=250`, { headers: { authorization: `Bearer ${t}` } });
    const a = (await json<{ items: Array<{ id: string }> }>(await events(t1))).items.map((e) => e.id);
    const b = (await json<{ items: Array<{ id: string }> }>(await events(t2))).items.map((e) => e.id);
    assert.ok(a.length > 0 && b.length > 0);
    assert.deepEqual(a.filter((id) => b.includes(id)), []);
    assert.equal((await events(t2, acct2.calendarId)).status, 200);
    assert.equal((await events(t1, acct2.calendarId)).status, 404);
  });

  it('adplatform: each client logs in to its own campaigns; a wrong password for a client is 401', async () => {
    const url = sb.urls.adplatform!;
    const c1 = sb.credentials.adplatform;
    const c2 = sandboxAccountCredentials('adplatform', 2);
    const names = async (c: { email: string; password: string; clientId: string }) =>
      (await json<{ data: Array<{ name: string; budget: number }> }>(await fetch(`${url}/api/campaigns?limit=10`, { headers: { authorization: `Bearer ${await adToken(url, c.email, c.password)}`, 'x-client-id': c.clientId } }))).data;
    const [a, b] = [await names(c1), await names(c2)];
    assert.equal(a.length, 10);
    assert.equal(b.length, 10);
    assert.notDeepEqual(a, b);
    const bad = await fetch(`${url}/auth/token`, { method: 'POST', headers: { authorization: basic(c2.email, c1.password) } });
    assert.equal(bad.status, 401);
  });

  it('adplatform: the rate limit is per client — client A exhausting its 10/min does not 429 client B', async () => {
    const url = sb.urls.adplatform!;
    const a = await json<{ account: number; credentials: { email: string; password: string; clientId: string } }>(await post(`${url}/__sandbox/accounts`, {}));
    const b = await json<{ account: number; credentials: { email: string; password: string; clientId: string } }>(await post(`${url}/__sandbox/accounts`, {}));
    const call = (token: string, clientId: string) => fetch(`${url}/api/campaigns?limit=10`, { headers: { authorization: `Bearer ${token}`, 'x-client-id': clientId } });
    const ta = await adToken(url, a.credentials.email, a.credentials.password);
    const tb = await adToken(url, b.credentials.email, b.credentials.password);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await call(ta, a.credentials.clientId)).status);
    assert.deepEqual(statuses, [...Array(11).fill(200), 429]); // the platform admits 11 of "10"
    assert.equal((await call(tb, b.credentials.clientId)).status, 200);
  });

  it('runtime accounts: 1,000 ad-platform clients are created at runtime with derivable credentials and their own data', async () => {
    const url = sb.urls.adplatform!;
    let last = { account: 0, credentials: { email: '', password: '', clientId: '' } };
    for (let i = 0; i < 1000; i++) last = await json<typeof last>(await post(`${url}/__sandbox/accounts`, { records: 10 }));
    assert.deepEqual(last.credentials, sandboxAccountCredentials('adplatform', last.account));
    const listed = await json<{ count: number }>(await fetch(`${url}/__sandbox/accounts`));
    assert.equal(listed.count, last.account);
    const token = await adToken(url, last.credentials.email, last.credentials.password);
    const page = await json<{ data: unknown[]; pagination: { total: number } }>(await fetch(`${url}/api/campaigns?limit=100`, { headers: { authorization: `Bearer ${token}`, 'x-client-id': last.credentials.clientId } }));
    assert.equal(page.pagination.total, 10);
    const truth = await json<{ campaigns: unknown[]; tokensIssued: number }>(await fetch(`${url}/__sandbox/accounts/${last.account}/truth`));
    assert.deepEqual(truth.campaigns, page.data.slice(0, 10));
    assert.equal(truth.tokensIssued, 1);
  });

  it('runtime accounts: a created Stripe account answers its derived key', async () => {
    const url = sb.urls.stripe!;
    const made = await json<{ account: number; credentials: { apiKey: string } }>(await post(`${url}/__sandbox/accounts`, { records: 5 }));
    assert.equal(made.account, 3);
    assert.equal(made.credentials.apiKey, sandboxAccountCredentials('stripe', 3).apiKey);
    const res = await fetch(`${url}/v1/charges?limit=100`, { headers: { authorization: `Bearer ${made.credentials.apiKey}` } });
    assert.equal(res.status, 200);
    assert.equal((await json<{ data: unknown[] }>(res)).data.length, 5);
  });
});
