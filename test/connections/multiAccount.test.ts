/**
 * Many accounts of one upstream, end to end: Stripe connections added through the API with
 * their own credentials (accounts of the simulator, over HTTP), synced side by side with the
 * environment's default connection, each stored under its own connection — the same charge id
 * in two connections is two rows — and then paused, re-credentialed, triggered and purged.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { buildApi } from '../../src/cli/start.ts';
import { createConnectionConnectors, createSecretBox } from '../../src/connections/index.ts';
import type { App } from '../../src/http/index.ts';
import { createScheduler, createSyncWorker, runSync, type IngestDeps } from '../../src/ingest/index.ts';
import { runReconciliation } from '../../src/reconcile/index.ts';
import { verifyRevenueRollup } from '../../src/revenue/index.ts';
import { sandboxAccountCredentials, type Sandbox } from '../../src/sandbox/index.ts';
import type { StripeTruth } from '../../src/sandbox/stripe/index.ts';
import { quietIo } from '../helpers/cliIo.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { drainOutbox } from '../ingest/fixtures/support.ts';
import { startSandboxDeps } from '../ingest/fixtures/sandboxDeps.ts';
import { renormalizeCommand, syncCommand } from '../../src/cli/index.ts';

const KEYS = { API_KEY: 'multi-account-api-key-0123456789', ADMIN_API_KEY: 'multi-account-admin-key-0123456789' };
const SECRET_KEY = Buffer.alloc(32, 0x42);

describe('many Stripe accounts as connections', () => {
  const db = useTestDb();
  let sandbox: Sandbox;
  let deps: IngestDeps;
  let app: App;
  let key = 0;
  const admin = () => ({ 'x-admin-api-key': KEYS.ADMIN_API_KEY, 'idempotency-key': `multi-${++key}` });
  const api = { 'x-api-key': KEYS.API_KEY };
  const ids = { second: '', mirror: '' };

  const accountTruth = async (n: number) => {
    const res = await fetch(`${sandbox.urls.stripe}/__sandbox/accounts/${n}/truth`);
    assert.equal(res.status, 200, `truth of account ${n}`);
    return (await res.json()) as StripeTruth;
  };
  const storedIds = async (connectionId: string) =>
    (await db.pool.query<{ external_id: string }>("SELECT external_id FROM payments WHERE connection_id = $1 AND kind = 'charge' AND deleted_at IS NULL ORDER BY 1", [connectionId])).rows.map((r) => r.external_id);
  const wellFormed = (t: StripeTruth) => t.charges.filter((c) => c.poison === null).map((c) => c.id).sort();

  before(async () => {
    ({ sandbox, deps } = await startSandboxDeps(db.pool, ['stripe'], {
      env: { SANDBOX_STRIPE_ACCOUNTS: '3', SANDBOX_STRIPE_RECORDS: '25', SANDBOX_STRIPE_POISON_RATE: '0', SANDBOX_STRIPE_HOSTILE_RATE: '0' },
      configEnv: { ...KEYS, BUFFALO_SECRET_KEY: SECRET_KEY.toString('hex') },
    }));
    db.closeLater(sandbox);
    const box = createSecretBox(SECRET_KEY);
    deps = { ...deps, connections: createConnectionConnectors({ pool: db.pool, box, config: deps.config, logger: deps.logger }) };
    app = db.closeLater(await buildApi(deps));
    await app.ready();
  });

  it('a second account and a second connection to the default account: synced in parallel, each row under its connection', async () => {
    const second = await app.inject({ method: 'POST', url: '/connections', headers: admin(), payload: { provider: 'stripe', name: 'second account', credentials: { apiKey: sandboxAccountCredentials('stripe', 2).apiKey } } });
    assert.equal(second.statusCode, 201, second.body);
    ids.second = second.json().id;
    const mirror = await app.inject({ method: 'POST', url: '/connections', headers: admin(), payload: { provider: 'stripe', name: 'mirror of default', credentials: { apiKey: deps.config.stripe.apiKey } } });
    assert.equal(mirror.statusCode, 201, mirror.body);
    ids.mirror = mirror.json().id;

    // Three runs at once: the locks are per connection, so none waits for or skips another.
    const runs = await Promise.all([
      runSync(deps, { source: 'stripe', mode: 'full' }),
      runSync(deps, { source: 'stripe', connectionId: ids.second, mode: 'full' }),
      runSync(deps, { source: 'stripe', connectionId: ids.mirror, mode: 'full' }),
    ]);
    assert.deepEqual(runs.map((r) => [r.connectionId, r.status]), [['stripe-default', 'success'], [ids.second, 'success'], [ids.mirror, 'success']]);
    const drained = await drainOutbox(deps);
    assert.equal(drained.dead, 0);

    const [one, two] = [await accountTruth(1), await accountTruth(2)];
    assert.deepEqual(await storedIds('stripe-default'), wellFormed(one));
    assert.deepEqual(await storedIds(ids.mirror), wellFormed(one), 'the same charges again, as rows of their own');
    assert.deepEqual(await storedIds(ids.second), wellFormed(two));
    assert.equal(wellFormed(two).filter((id) => wellFormed(one).includes(id)).length, 0, 'the second account holds other charges');
    const cursors = (await db.pool.query<{ connection_id: string }>('SELECT DISTINCT connection_id FROM sync_cursors ORDER BY 1')).rows.map((r) => r.connection_id);
    assert.deepEqual(cursors, [ids.mirror, ids.second, 'stripe-default'].sort());

    const page = await app.inject({ method: 'GET', url: `/payments?connectionId=${ids.second}&limit=500`, headers: api });
    assert.equal(page.statusCode, 200, page.body);
    const rows = page.json().data as Array<{ connectionId: string; externalId: string }>;
    assert.ok(rows.length > 0 && rows.every((r) => r.connectionId === ids.second));
    const listed = await app.inject({ method: 'GET', url: `/runs?connectionId=${ids.mirror}`, headers: api });
    assert.deepEqual(listed.json().runs.map((r: { runId: string }) => r.runId), [runs[2]!.runId]);
    assert.deepEqual(await verifyRevenueRollup(db.pool), []);
  });

  it('the CLI commands take a connection: buffalo sync --connection, buffalo renormalize --connection', async () => {
    const io = quietIo();
    const report = await syncCommand(deps, { source: 'stripe', connectionId: ids.second }, io);
    assert.deepEqual([report.connectionId, report.status], [ids.second, 'success']);
    assert.match(io.text(), new RegExp(`connection +${ids.second}\n`));
    await drainOutbox(deps);
    const stored = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM raw_records WHERE connection_id = $1', [ids.second])).rows[0]!.n;
    const summary = await renormalizeCommand(deps, { source: 'stripe', connectionId: ids.second }, quietIo());
    assert.deepEqual([summary.connectionId, summary.records, summary.rowsChanged, summary.failed], [ids.second, stored, 0, 0], 'its own raw payloads, re-derived to the rows already stored');
  });

  it('a reconciliation compares one connection with its own account; POST /reconcile takes a connectionId', async () => {
    const r = await runReconciliation(deps, { source: 'stripe', connectionId: ids.second });
    assert.equal(r.status, 'done', r.error ?? '');
    assert.equal(r.connectionId, ids.second);
    assert.deepEqual([r.result!.missing.count, r.result!.extra.count, r.result!.different.count], [0, 0, 0]);
    const stored = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM payments WHERE connection_id = $1 AND deleted_at IS NULL', [ids.second])).rows[0]!.n;
    assert.equal(r.result!.storedRows, stored, 'only that connection\'s rows are compared');

    const accepted = await app.inject({ method: 'POST', url: '/reconcile/stripe', headers: admin(), payload: { connectionId: ids.second } });
    assert.equal(accepted.statusCode, 202, accepted.body);
    assert.equal(accepted.json().connectionId, ids.second);
    const unknown = await app.inject({ method: 'POST', url: '/reconcile/stripe', headers: admin(), payload: { connectionId: 'conn_nosuchconnection00' } });
    assert.equal(unknown.statusCode, 404);
    await db.pool.query("DELETE FROM jobs WHERE queue = 'reconcile'");
  });

  it('POST /connections/:id/trigger runs that connection in a worker; a paused one answers 409 and the scheduler passes it by', async () => {
    const accepted = await app.inject({ method: 'POST', url: `/connections/${ids.second}/trigger/incremental`, headers: admin() });
    assert.equal(accepted.statusCode, 202, accepted.body);
    assert.equal(accepted.json().connectionId, ids.second);
    await createSyncWorker(deps).runOnce();
    const run = await app.inject({ method: 'GET', url: `/runs/${accepted.json().runId}`, headers: api });
    assert.deepEqual([run.json().connectionId, run.json().status], [ids.second, 'success']);

    const paused = await app.inject({ method: 'PATCH', url: `/connections/${ids.second}`, headers: admin(), payload: { status: 'paused' } });
    assert.equal(paused.statusCode, 200, paused.body);
    const refused = await app.inject({ method: 'POST', url: `/connections/${ids.second}/trigger/incremental`, headers: admin() });
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().error, 'connection_not_active');

    const tick = await createScheduler(deps).runOnce(Date.parse('2030-01-01T00:00:00Z'));
    const fired = tick.syncs.map((s) => s.connectionId).sort();
    assert.deepEqual(fired, [ids.mirror, 'stripe-default'].sort(), 'every active connection, and not the paused one');
    await db.pool.query("DELETE FROM jobs WHERE queue = 'ingest-sync'");
  });

  it('rotated credentials take effect on the next run without a restart', async () => {
    const rotated = await app.inject({ method: 'PATCH', url: `/connections/${ids.mirror}`, headers: admin(), payload: { credentials: { apiKey: sandboxAccountCredentials('stripe', 3).apiKey } } });
    assert.equal(rotated.statusCode, 200, rotated.body);
    const run = await runSync(deps, { source: 'stripe', connectionId: ids.mirror, mode: 'full' });
    assert.equal(run.status, 'success');
    await drainOutbox(deps);
    const three = wellFormed(await accountTruth(3));
    const stored = await storedIds(ids.mirror);
    assert.ok(three.length > 0 && three.every((id) => stored.includes(id)), 'account 3 charges are stored under the connection');
  });

  it('POST /webhooks/stripe/:connectionId verifies with that connection\'s signing secret and stores the event under it', async () => {
    const secret = 'whsec_accountFourSigningSecret0123';
    const made = await app.inject({ method: 'POST', url: '/connections', headers: admin(), payload: { provider: 'stripe', name: 'webhooks', credentials: { apiKey: sandboxAccountCredentials('stripe', 2).apiKey, webhookSecret: secret } } });
    assert.equal(made.statusCode, 201, made.body);
    const id = made.json().id as string;
    const body = JSON.stringify({ id: 'evt_conn_1', object: 'event', type: 'charge.succeeded', created: 1_700_000_000, data: { object: { id: 'ch_conn_1', object: 'charge', amount: 500, amount_refunded: 0, currency: 'usd', status: 'succeeded', created: 1_700_000_000, refunded: false, customer: null } } });
    const deliver = (url: string, signWith: string) =>
      app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret: signWith }) }, payload: body });
    assert.equal((await deliver(`/webhooks/stripe/${id}`, 'whsec_someoneElsesSecret999')).statusCode, 400, 'another secret is refused');
    assert.equal((await deliver('/webhooks/stripe/conn_nosuchconnection00', secret)).statusCode, 404);
    const ok = await deliver(`/webhooks/stripe/${id}`, secret);
    assert.equal(ok.statusCode, 200, ok.body);
    const { rows } = await db.pool.query<{ connection_id: string }>("SELECT payload->>'connectionId' AS connection_id FROM jobs WHERE queue = 'ingest' AND payload->>'externalId' = 'evt_conn_1'");
    assert.deepEqual(rows, [{ connection_id: id }]);
    await drainOutbox(deps);
    assert.deepEqual(await db.pool.query("SELECT connection_id FROM payments WHERE external_id = 'ch_conn_1'").then((r) => r.rows), [{ connection_id: id }]);
  });

  it('removal: purge deletes the connection\'s rows (revenue follows); without purge rows stay and syncs stop; no credential anywhere in clear', async () => {
    const before = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM payments WHERE connection_id = $1', [ids.second])).rows[0]!.n;
    assert.ok(before > 0);
    const purged = await app.inject({ method: 'DELETE', url: `/connections/${ids.second}?purge=true`, headers: admin() });
    assert.equal(purged.statusCode, 204, purged.body);
    for (const table of ['payments', 'raw_records', 'ingest_record_hashes', 'sync_cursors']) {
      const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE connection_id = $1`, [ids.second]);
      assert.equal(rows[0]!.n, 0, `${table} purged`);
    }
    assert.ok((await db.pool.query('SELECT 1 FROM sync_runs WHERE connection_id = $1', [ids.second])).rows.length > 0, 'run reports kept');
    assert.deepEqual(await verifyRevenueRollup(db.pool), [], 'the rollup followed the purge');

    const kept = (await storedIds(ids.mirror)).length;
    const removed = await app.inject({ method: 'DELETE', url: `/connections/${ids.mirror}`, headers: admin() });
    assert.equal(removed.statusCode, 204);
    assert.equal((await storedIds(ids.mirror)).length, kept, 'rows stay without purge');
    const after = await runSync(deps, { source: 'stripe', connectionId: ids.mirror, mode: 'incremental' });
    assert.equal(after.status, 'skipped');
    assert.match(after.reason ?? '', /not usable/);

    const secrets = [2, 3].map((n) => sandboxAccountCredentials('stripe', n).apiKey);
    for (const table of ['connections', 'sync_runs', 'jobs', 'dead_letters', 'raw_records', 'idempotency_keys']) {
      const dump = JSON.stringify((await db.pool.query(`SELECT * FROM ${table}`)).rows);
      for (const secret of secrets) assert.ok(!dump.includes(secret), `${table} holds no credential in clear`);
    }
  });
});
