/**
 * Connections made visible: `GET /connections/:id` and `GET /connections` carry the last run,
 * recent errors and dead letters (from ingest, wired like buildApi does), and `GET /dlq` /
 * `buffalo dlq list` filter by connection, old jobs without one counting as the default's.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { connectionRoutes, createSecretBox } from '../../src/connections/index.ts';
import { connectionActivity, ingestRoutes, type IngestDeps } from '../../src/ingest/index.ts';
import type { App } from '../../src/http/index.ts';
import { resolveConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { ADMIN_HEADERS, buildTestApp } from '../helpers/app.ts';
import { ACME_SECRET, seedConnectionActivity, type SeededActivity } from '../helpers/connectionActivity.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { dlqListCommand } from '../../src/cli/index.ts';

describe('connection activity', () => {
  const db = useTestDb();
  let app: App;
  let seeded: SeededActivity;
  before(async () => {
    seeded = await seedConnectionActivity(db.pool);
    app = db.closeLater(await buildTestApp(db.pool));
    await app.register(ingestRoutes, { pool: db.pool });
    await app.register(connectionRoutes, {
      pool: db.pool,
      box: createSecretBox(Buffer.alloc(32, 7)),
      check: async () => undefined,
      describeActivity: (ids, opts) => connectionActivity(db.pool, ids, opts),
    });
    await app.ready();
  });

  it('GET /connections/:id: the newest run that was not skipped, the failed runs\' errors newest first, and its unreplayed dead letters', async () => {
    const acme = await app.inject({ method: 'GET', url: `/connections/${seeded.acmeId}`, headers: ADMIN_HEADERS });
    assert.equal(acme.statusCode, 200, acme.body);
    const body = acme.json();
    assert.equal(body.lastRun.runId, seeded.runs.acmeFailed);
    assert.deepEqual(
      [body.lastRun.status, body.lastRun.mode, body.lastRun.trigger, body.lastRun.recordsFetched, body.lastRun.recordsFailed, body.lastRun.error],
      ['failed', 'incremental', 'schedule', 3, 2, 'stripe refused the credentials: HTTP 401'],
    );
    assert.ok(body.lastRun.startedAt && body.lastRun.finishedAt);
    assert.deepEqual(body.recentErrors.map((e: { runId: string }) => e.runId), [seeded.runs.acmeFailed]);
    assert.equal(body.deadLetters, 2);
    assert.ok(!acme.body.includes(ACME_SECRET));

    const def = (await app.inject({ method: 'GET', url: '/connections/stripe-default', headers: ADMIN_HEADERS })).json();
    assert.equal(def.lastRun.runId, seeded.runs.defaultSuccess);
    assert.equal(def.lastRun.status, 'success');
    assert.deepEqual(def.recentErrors, [{ runId: seeded.runs.defaultFailed, finishedAt: def.recentErrors[0].finishedAt, error: 'HTTP 503 from stripe' }]);
    assert.equal(def.deadLetters, 1, 'the job without a connectionId is the default connection\'s');

    const idle = (await app.inject({ method: 'GET', url: '/connections/gcal-default', headers: ADMIN_HEADERS })).json();
    assert.deepEqual([idle.lastRun, idle.recentErrors, idle.deadLetters], [null, [], 0]);
  });

  it('GET /connections: every connection with its last run and dead letters, in one round of queries', async () => {
    let queries = 0;
    const counting = (ids: string[]) => {
      queries++;
      return connectionActivity(db.pool, ids);
    };
    const listing = await buildTestApp(db.pool);
    await listing.register(connectionRoutes, { pool: db.pool, box: undefined, check: async () => undefined, describeActivity: counting });
    const res = await listing.inject({ method: 'GET', url: '/connections', headers: ADMIN_HEADERS });
    await listing.close();
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(queries, 1);
    const byId = new Map((res.json().connections as Array<{ id: string; lastRun: { runId: string } | null; deadLetters: number }>).map((c) => [c.id, c]));
    assert.equal(byId.get(seeded.acmeId)?.lastRun?.runId, seeded.runs.acmeFailed);
    assert.equal(byId.get('stripe-default')?.lastRun?.runId, seeded.runs.defaultSuccess);
    assert.equal(byId.get('hubspot-default')?.deadLetters, 1);
    assert.equal(byId.get('adplatform-default')?.lastRun, null);
    assert.ok(!res.body.includes(ACME_SECRET));
  });

  it('GET /dlq?connectionId= keeps that connection\'s dead letters (no connectionId = <source>-default), and every item names its connection', async () => {
    const list = async (q: string) => {
      const res = await app.inject({ method: 'GET', url: `/dlq${q}`, headers: ADMIN_HEADERS });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().items as Array<{ connectionId: string | null; payload: { externalId?: string } }>;
    };
    const all = await list('');
    assert.deepEqual(all.map((d) => d.connectionId), [null, 'hubspot-default', 'stripe-default', seeded.acmeId, seeded.acmeId]);
    assert.deepEqual((await list(`?connectionId=${seeded.acmeId}`)).map((d) => d.payload.externalId), ['ch_acme2', 'ch_acme']);
    assert.deepEqual((await list('?connectionId=stripe-default')).map((d) => d.payload.externalId), ['ch_old']);
    assert.deepEqual((await list('?connectionId=hubspot-default&queue=ingest')).map((d) => d.payload.externalId), ['7']);
    assert.deepEqual(await list('?connectionId=conn_nobody'), []);
    assert.equal((await app.inject({ method: 'GET', url: '/dlq?connectionId=Not%20an%20id', headers: ADMIN_HEADERS })).statusCode, 400);
  });

  it('buffalo dlq list --connection prints only that connection\'s dead letters, each with its connection', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const deps: IngestDeps = { pool: db.pool, config: resolveConfig({ NODE_ENV: 'test' }), logger: silentLogger, connectors: {} };
    const items = await dlqListCommand(deps, { connectionId: 'stripe-default' }, { out, err: new PassThrough(), tty: false });
    assert.equal(items.length, 1);
    assert.match(text, /ingest {2}stripe-default {2}stripe\/charge\/ch_old {2}permanent/);
    assert.doesNotMatch(text, /ch_acme/);
    text = '';
    await dlqListCommand(deps, { connectionId: 'conn_nobody' }, { out, err: new PassThrough(), tty: false });
    assert.equal(text, 'no dead letters of connection conn_nobody\n');
  });
});
