import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { ADMIN_HEADERS, API_HEADERS, buildTestApp } from '../helpers/app.ts';
import type { App } from '../../src/http/index.ts';
import { enqueueMany } from '../../src/queue/index.ts';
import { createSyncWorker, ingestReadinessCheck, ingestRoutes, runSync, INGEST_QUEUE, type IngestDeps } from '../../src/ingest/index.ts';
import { createFakeConnector, createFakeUpstream, type FakeUpstream } from './fixtures/fakeUpstream.ts';
import { drainOutbox, testDeps } from './fixtures/support.ts';
import { waitFor } from '../helpers/waitFor.ts';

describe('ingest HTTP API', () => {
  const db = useTestDb();
  let app: App;
  let up: FakeUpstream;
  let deps: IngestDeps;
  let key = 0;
  const idem = () => ({ 'idempotency-key': `k-${++key}` });
  before(async () => {
    up = createFakeUpstream(12, { pageSize: 5 });
    deps = testDeps(db.pool, [createFakeConnector(up)]);
    app = db.closeLater(await buildTestApp(db.pool, { readiness: [ingestReadinessCheck(deps)] }));
    await app.register(ingestRoutes, { pool: db.pool });
    await app.ready();
  });

  it('POST /trigger: 401 without the admin key, 400 naming the bad field, 400 without Idempotency-Key, 202 accepted', async () => {
    const noKey = await app.inject({ method: 'POST', url: '/trigger/hubspot/full', headers: { ...API_HEADERS, ...idem() } });
    assert.equal(noKey.statusCode, 401);
    assert.equal(noKey.json().error, 'unauthorized');
    const badSource = await app.inject({ method: 'POST', url: '/trigger/paypal/full', headers: { ...ADMIN_HEADERS, ...idem() } });
    assert.equal(badSource.statusCode, 400);
    assert.equal(badSource.json().error, 'validation_failed');
    assert.equal(badSource.json().field, 'source');
    const badMode = await app.inject({ method: 'POST', url: '/trigger/hubspot/sometimes', headers: { ...ADMIN_HEADERS, ...idem() } });
    assert.equal(badMode.json().field, 'mode');
    const noIdem = await app.inject({ method: 'POST', url: '/trigger/hubspot/full', headers: ADMIN_HEADERS });
    assert.equal(noIdem.statusCode, 400);
    assert.equal(noIdem.json().error, 'idempotency_key_required');

    const headers = { ...ADMIN_HEADERS, ...idem() };
    const ok = await app.inject({ method: 'POST', url: '/trigger/hubspot/full', headers });
    assert.equal(ok.statusCode, 202);
    const body = ok.json();
    assert.deepEqual({ ...body, runId: undefined }, { runId: undefined, source: 'hubspot', mode: 'full', status: 'accepted' });
    const replay = await app.inject({ method: 'POST', url: '/trigger/hubspot/full', headers });
    assert.equal(replay.json().runId, body.runId, 'same Idempotency-Key → same run');
    const run = await app.inject({ method: 'GET', url: `/runs/${body.runId}`, headers: API_HEADERS });
    assert.equal(run.json().status, 'queued');

    await createSyncWorker(deps).runOnce();
    const done = await app.inject({ method: 'GET', url: `/runs/${body.runId}`, headers: API_HEADERS });
    assert.equal(done.json().status, 'success');
    assert.equal(done.json().recordsFetched, 12);
    assert.equal(done.json().trigger, 'api');
  });

  it('POST /trigger with a date that does not exist, in the body or the query, is 400 naming since or until; no run is created', async () => {
    const runs = async () => Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM sync_runs')).rows[0]!.n);
    const before = await runs();
    const cases = [
      { url: '/trigger/hubspot/incremental', payload: { since: '2026-02-30' }, field: 'since' },
      { url: '/trigger/hubspot/incremental?since=2026-02-30', field: 'since' },
      { url: '/trigger/hubspot/incremental', payload: { since: '2026-13-01' }, field: 'since' },
      { url: '/trigger/hubspot/incremental?since=2026-01-01&until=2026-04-31', field: 'until' },
      { url: '/trigger/hubspot/incremental', payload: { since: '2026-02-29' }, field: 'since' },
    ];
    for (const c of cases) {
      const res = await app.inject({ method: 'POST', url: c.url, headers: { ...ADMIN_HEADERS, ...idem() }, ...(c.payload ? { payload: c.payload } : {}) });
      assert.equal(res.statusCode, 400, `${c.url} ${JSON.stringify(c.payload)}`);
      assert.equal(res.json().error, 'validation_failed');
      assert.equal(res.json().field, c.field);
      assert.match(res.json().message, /must be a real date written YYYY-MM-DD/);
    }
    assert.equal(await runs(), before, 'no run was accepted');
  });

  it('two concurrent triggers of one source: one run completes, the other is skipped', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    up.pagesServed = 0;
    up.beforePage = (n) => (n === 0 ? held : undefined);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await app.inject({ method: 'POST', url: '/trigger/hubspot/full', headers: { ...ADMIN_HEADERS, ...idem() } })).json().runId as string);
    const worker = createSyncWorker(deps);
    const round = worker.runOnce();
    await waitFor('one run to be skipped', async () => (await db.pool.query("SELECT 1 FROM sync_runs WHERE id = ANY($1) AND status = 'skipped'", [ids])).rowCount === 1);
    release();
    await round;
    up.beforePage = undefined;
    const statuses = (await db.pool.query<{ status: string }>('SELECT status FROM sync_runs WHERE id = ANY($1) ORDER BY status', [ids])).rows.map((r) => r.status);
    assert.deepEqual(statuses, ['skipped', 'success']);
  });

  it('GET /runs lists with filters and total; GET /runs/:runId is 404 run_not_found for an unknown run', async () => {
    await runSync(deps, { source: 'hubspot', mode: 'incremental' });
    const all = await app.inject({ method: 'GET', url: '/runs?limit=2', headers: API_HEADERS });
    assert.equal(all.statusCode, 200);
    assert.equal(all.json().runs.length, 2);
    const total = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM sync_runs')).rows[0]!.n;
    assert.equal(all.json().total, total);
    const skipped = await app.inject({ method: 'GET', url: '/runs?status=skipped&source=hubspot', headers: API_HEADERS });
    assert.ok(skipped.json().runs.every((r: { status: string }) => r.status === 'skipped'));
    assert.equal(skipped.json().total, 1);
    const none = await app.inject({ method: 'GET', url: '/runs/00000000-0000-4000-8000-000000000000', headers: API_HEADERS });
    assert.equal(none.statusCode, 404);
    assert.equal(none.json().error, 'run_not_found');
    assert.equal((await app.inject({ method: 'GET', url: '/runs' })).statusCode, 401);
  });

  it('data endpoints: keyset pagination covers every row exactly once (rows sharing updated_at included); filters apply', async () => {
    // 3 statements → 3 distinct updated_at values shared by many rows each.
    for (let batch = 0; batch < 3; batch++) {
      await db.pool.query(
        `INSERT INTO payments (source, connection_id, external_id, kind, status, raw_status, amount_cents, currency, occurred_at)
         SELECT $1, $1 || '-default', 'p' || $2 || '_' || g, 'charge', 'COLLECTED', 'succeeded', g * 100, 'USD', now() FROM generate_series(1, 40) g`,
        [batch === 2 ? 'hubspot' : 'stripe', batch],
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { statusCode: number; json(): unknown } = await app.inject({ method: 'GET', url: `/payments?limit=7${cursor ? `&cursor=${cursor}` : ''}`, headers: API_HEADERS });
      assert.equal(res.statusCode, 200);
      const body = res.json() as { data: Array<{ externalId: string; amountCents: string }>; nextCursor: string | null };
      seen.push(...body.data.map((p) => p.externalId));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    assert.equal(seen.length, 120);
    assert.equal(new Set(seen).size, 120, 'no row twice');
    assert.equal(pages, Math.ceil(120 / 7));

    const hub = await app.inject({ method: 'GET', url: '/payments?source=hubspot&limit=500', headers: API_HEADERS });
    assert.equal(hub.json().data.length, 40);
    assert.equal(hub.json().nextCursor, null);
    assert.equal(typeof hub.json().data[0].amountCents, 'string', 'money as exact strings');
    const future = await app.inject({ method: 'GET', url: `/payments?updatedSince=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, headers: API_HEADERS });
    assert.deepEqual(future.json().data, []);
    const contacts = await app.inject({ method: 'GET', url: '/contacts', headers: API_HEADERS });
    assert.equal(contacts.json().data.length, 0, 'no contacts processed yet');
    await drainOutbox(deps);
    const after = await app.inject({ method: 'GET', url: '/contacts?source=hubspot', headers: API_HEADERS });
    assert.equal(after.json().data.length, 12);
    for (const path of ['/calendar-events', '/campaigns']) assert.equal((await app.inject({ method: 'GET', url: path, headers: API_HEADERS })).statusCode, 200);

    const badCursor = await app.inject({ method: 'GET', url: '/payments?cursor=bm9wZQ', headers: API_HEADERS });
    assert.equal(badCursor.statusCode, 400);
    assert.equal(badCursor.json().field, 'cursor');
    const badLimit = await app.inject({ method: 'GET', url: '/payments?limit=501', headers: API_HEADERS });
    assert.equal(badLimit.json().field, 'limit');
  });

  it('GET /dlq and POST /dlq/:id/replay (admin): list with error and payload, replay once, 404 for unknown', async () => {
    await enqueueMany(db.pool, INGEST_QUEUE, [{ payload: { source: 'hubspot', entity: 'contact', externalId: 'bad', payload: { id: 'bad' }, hash: 'x', runId: null } }]);
    await drainOutbox(deps);
    assert.equal((await app.inject({ method: 'GET', url: '/dlq', headers: API_HEADERS })).statusCode, 401);
    const list = await app.inject({ method: 'GET', url: '/dlq?queue=ingest', headers: ADMIN_HEADERS });
    assert.equal(list.statusCode, 200);
    const item = list.json().items[0];
    assert.equal(item.error.name, 'ZodError');
    assert.deepEqual(item.payload.payload, { id: 'bad' });
    const replay = await app.inject({ method: 'POST', url: `/dlq/${item.id}/replay`, headers: { ...ADMIN_HEADERS, ...idem() } });
    assert.equal(replay.statusCode, 200);
    assert.equal(replay.json().replayed, true);
    const again = await app.inject({ method: 'POST', url: `/dlq/${item.id}/replay`, headers: { ...ADMIN_HEADERS, ...idem() } });
    assert.equal(again.json().replayed, false);
    const missing = await app.inject({ method: 'POST', url: '/dlq/999999/replay', headers: { ...ADMIN_HEADERS, ...idem() } });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error, 'dlq_entry_not_found');
  });

  it('/readyz carries the ingest section: per-source last successful sync and breaker state', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 200);
    const ingest = res.json().checks.ingest;
    assert.equal(ingest.sources.hubspot.enabled, true);
    assert.ok(Date.parse(ingest.sources.hubspot.lastSuccessAt) > 0);
    assert.equal(ingest.sources.stripe.enabled, false);
    assert.ok('breaker' in ingest.sources.hubspot);
  });
});
