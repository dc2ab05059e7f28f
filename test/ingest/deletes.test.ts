import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb, type TestDbFixture } from '../helpers/testResources.ts';
import { API_HEADERS, buildTestApp } from '../helpers/app.ts';
import type { App } from '../../src/http/index.ts';
import { hashContent, ingestRoutes, runSync, INGEST_QUEUE, type IngestDeps } from '../../src/ingest/index.ts';
import { timeVersion, type RawRecord } from '../../src/connectors/index.ts';
import { deletedRecord } from '../../src/connectors/stripe/deletedRecord.ts';
import { toRawRecord } from '../../src/connectors/rawRecord.ts';
import { enqueueMany } from '../../src/queue/index.ts';
import { verifyRevenueRollup } from '../../src/revenue/index.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import type { HubspotState } from '../../src/sandbox/hubspot/state.ts';
import type { GcalState } from '../../src/sandbox/gcal/state.ts';
import { drainOutbox } from './fixtures/support.ts';
import { controlSim, startSandboxDeps } from './fixtures/sandboxDeps.ts';

// Deletes and archives upstream (issue 15, item 2), through the real connectors against the
// simulators over HTTP: HubSpot archives (listed with archived=true), Google cancellations and
// events a 410 full resync no longer returns, ad-platform campaigns gone from a completed listing.

const world = <S>(sandbox: Sandbox, name: 'hubspot' | 'gcal'): S => (sandbox.simulators[name]!.state as { world(): S }).world();
const simNow = (sandbox: Sandbox, name: 'hubspot' | 'gcal' | 'adplatform') => sandbox.simulators[name]!.clock.now();

// Charges the rollup counts in the hour of one payment (the upstream keeps changing other deals,
// but hardly in that past hour).
async function countedInHourOf(db: TestDbFixture, id: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>(
    `SELECT coalesce(sum(r.count_00 + r.count_15 + r.count_30 + r.count_45), 0)::text AS n
     FROM payments p JOIN revenue_rollup r ON r.source = p.source AND r.currency = p.currency AND r.hour_start = date_bin('1 hour', p.occurred_at, timestamptz 'epoch')
     WHERE p.source = 'hubspot' AND p.external_id = $1`,
    [id],
  );
  return Number(rows[0]!.n);
}

async function deletedAt(db: TestDbFixture, table: string, source: string, id: string): Promise<Date | null | undefined> {
  const { rows } = await db.pool.query<{ deleted_at: Date | null }>(`SELECT deleted_at FROM ${table} WHERE source = $1 AND external_id = $2`, [source, id]);
  return rows[0]?.deleted_at;
}

describe('deletes and archives upstream', () => {
  const db = useTestDb();
  let sandbox: Sandbox;
  let deps: IngestDeps;
  let app: App;
  before(async () => {
    ({ sandbox, deps } = await startSandboxDeps(db.pool, ['hubspot', 'gcal', 'adplatform'], {
      env: {
        SANDBOX_HUBSPOT_RECORDS: '60', SANDBOX_HUBSPOT_SEED: '11', SANDBOX_HUBSPOT_POISON_RATE: '0',
        SANDBOX_GCAL_RECORDS: '60', SANDBOX_GCAL_SEED: '12', SANDBOX_GCAL_POISON_RATE: '0',
        SANDBOX_ADPLATFORM_RECORDS: '12', SANDBOX_ADPLATFORM_SEED: '13', SANDBOX_ADPLATFORM_POISON_RATE: '0', SANDBOX_ADPLATFORM_RATE_LIMIT_PER_MIN: '0',
        SANDBOX_ADPLATFORM_SYNC_MS: '1', SANDBOX_ADPLATFORM_UNAVAILABLE_EVERY: '0', SANDBOX_ADPLATFORM_TIMEOUT_EVERY: '0', SANDBOX_ADPLATFORM_MAX_PAGE_SIZE: '5',
      },
    }));
    db.closeLater(sandbox);
    app = db.closeLater(await buildTestApp(db.pool));
    await app.register(ingestRoutes, { pool: db.pool });
    await app.ready();
  });

  it('a HubSpot deal archived upstream leaves revenue after the next incremental sync (rollup exact), is hidden by /payments unless includeDeleted=true, and is restored when it comes back', async () => {
    const full = await runSync(deps, { source: 'hubspot', mode: 'full' });
    assert.equal(full.status, 'success', full.error ?? '');
    await drainOutbox(deps);
    assert.deepEqual(await verifyRevenueRollup(db.pool), []);

    const { rows } = await db.pool.query<{ external_id: string }>(
      "SELECT external_id FROM payments WHERE source = 'hubspot' AND status = 'COLLECTED' AND deleted_at IS NULL AND amount_cents > 0 ORDER BY external_id LIMIT 1",
    );
    const id = rows[0]?.external_id;
    assert.ok(id, 'a collected deal is stored');
    const before = await countedInHourOf(db, id);
    assert.ok(before >= 1);

    const hs = world<HubspotState>(sandbox, 'hubspot');
    const rec = hs.stores.deals.get(id)!;
    // What HubSpot's DELETE does: the deal moves to the recycle bin; its last-modified time stays.
    const at = simNow(sandbox, 'hubspot');
    rec.archived = true;
    rec.archivedAt = at;
    rec.updatedAt = at;

    const inc = await runSync(deps, { source: 'hubspot', mode: 'incremental' });
    assert.equal(inc.status, 'success', inc.error ?? '');
    await drainOutbox(deps);
    assert.ok(await deletedAt(db, 'payments', 'hubspot', id), 'the archived deal is marked deleted');
    assert.equal(await countedInHourOf(db, id), before - 1, 'the deal left revenue');
    assert.deepEqual(await verifyRevenueRollup(db.pool), []);
    const report = (await app.inject({ method: 'GET', url: `/runs/${inc.runId}`, headers: API_HEADERS })).json() as { recordsDeleted: number };
    assert.ok(report.recordsDeleted >= 1, `recordsDeleted counted: ${JSON.stringify(report)}`);

    const listed = async (query: string) => {
      const ids: Array<{ externalId: string; deletedAt: string | null }> = [];
      let cursor: string | null = null;
      do {
        const res: { statusCode: number; body: string; json(): unknown } = await app.inject({ method: 'GET', url: `/payments?source=hubspot&limit=500${query}${cursor ? `&cursor=${cursor}` : ''}`, headers: API_HEADERS });
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json() as { data: Array<{ externalId: string; deletedAt: string | null }>; nextCursor: string | null };
        ids.push(...body.data);
        cursor = body.nextCursor;
      } while (cursor);
      return ids;
    };
    assert.equal((await listed('')).find((p) => p.externalId === id), undefined, 'hidden by default');
    const shown = (await listed('&includeDeleted=true')).find((p) => p.externalId === id);
    assert.ok(shown?.deletedAt, 'shown with its deletedAt when asked');
    assert.equal(new Date(shown.deletedAt).getTime(), at, 'deletedAt is HubSpot archivedAt');

    // Restored from the recycle bin: modified again, found by search, counted again.
    rec.archived = false;
    delete rec.archivedAt;
    await controlSim(sandbox, 'hubspot', '/__sandbox/advance', { minutes: 1 });
    const now = simNow(sandbox, 'hubspot');
    rec.updatedAt = now;
    rec.props.hs_lastmodifieddate = new Date(now).toISOString();
    const back = await runSync(deps, { source: 'hubspot', mode: 'incremental' });
    assert.equal(back.status, 'success', back.error ?? '');
    await drainOutbox(deps);
    assert.equal(await deletedAt(db, 'payments', 'hubspot', id), null, 'restored');
    const { rows: again } = await db.pool.query('SELECT 1 FROM payments WHERE source = $1 AND external_id = $2 AND buffalo_counts_as_revenue(kind, status, deleted_at)', ['hubspot', id]);
    assert.equal(again.length, 1, 'counted again');
    assert.deepEqual(await verifyRevenueRollup(db.pool), []);
  });

  it('ad platform: a removed campaign is not deleted by an interrupted full read, and is deleted when the listing completes', async () => {
    const first = await runSync(deps, { source: 'adplatform', mode: 'full' });
    assert.equal(first.status, 'success', first.error ?? '');
    await drainOutbox(deps);
    const { rows } = await db.pool.query<{ external_id: string }>("SELECT external_id FROM campaigns WHERE source = 'adplatform' AND deleted_at IS NULL ORDER BY source_created_at DESC");
    assert.ok(rows.length >= 10, `campaigns stored: ${rows.length}`);
    const gone = rows[0]!.external_id;
    const res = await fetch(`${sandbox.urls.adplatform}/__sandbox/campaigns/${encodeURIComponent(gone)}`, { method: 'DELETE' });
    assert.equal(res.status, 204);

    // Interrupted after its first page (5 of ~11 campaigns): nothing is marked deleted.
    const stop = new AbortController();
    const cut = await runSync(deps, { source: 'adplatform', mode: 'full', signal: stop.signal, onProgress: (p) => p.kind === 'page' && stop.abort(new Error('test interrupt')) });
    assert.equal(cut.status, 'failed');
    assert.match(cut.error ?? '', /interrupted/);
    await drainOutbox(deps);
    assert.equal(await deletedAt(db, 'campaigns', 'adplatform', gone), null, 'an interrupted full read deletes nothing');
    assert.equal((await app.inject({ method: 'GET', url: `/runs/${cut.runId}`, headers: API_HEADERS })).json().recordsDeleted, 0);

    // The next run resumes the listing and completes it: the campaign it no longer lists is gone.
    const done = await runSync(deps, { source: 'adplatform', mode: 'incremental' });
    assert.equal(done.status, 'success', done.error ?? '');
    await drainOutbox(deps);
    assert.ok(await deletedAt(db, 'campaigns', 'adplatform', gone), 'deleted after the completed full read');
    const live = await db.pool.query("SELECT count(*)::int AS n FROM campaigns WHERE source = 'adplatform' AND deleted_at IS NULL");
    assert.equal(live.rows[0].n, rows.length - 1, 'only the removed campaign');
    assert.equal((await app.inject({ method: 'GET', url: `/runs/${done.runId}`, headers: API_HEADERS })).json().recordsDeleted, 1);
    const page = (await app.inject({ method: 'GET', url: '/campaigns?source=adplatform&limit=500', headers: API_HEADERS })).json() as { data: Array<{ externalId: string }> };
    assert.equal(page.data.length, rows.length - 1);
    assert.ok(!page.data.some((c) => c.externalId === gone));

    // A later completed listing does not delete it again (and counts nothing).
    const again = await runSync(deps, { source: 'adplatform', mode: 'incremental' });
    await drainOutbox(deps);
    assert.equal((await app.inject({ method: 'GET', url: `/runs/${again.runId}`, headers: API_HEADERS })).json().recordsDeleted, 0);
  });

  it('Google: a cancelled event is deleted by the incremental read; one a 410 full resync no longer returns is deleted too, and restored when it comes back', async () => {
    const full = await runSync(deps, { source: 'gcal', mode: 'full' });
    assert.equal(full.status, 'success', full.error ?? '');
    await drainOutbox(deps);
    const gc = world<GcalState>(sandbox, 'gcal');
    const live = gc.events.filter((e) => e.status !== 'cancelled' && !e.weeklyCount && !e.poison);
    assert.ok(live.length >= 3);
    const [cancelled, vanished] = [live[0]!, live[1]!];

    // Deleted in Google while our sync token is valid: the incremental read returns it cancelled.
    await controlSim(sandbox, 'gcal', '/__sandbox/advance', { hours: 1 });
    cancelled.status = 'cancelled';
    cancelled.updated = simNow(sandbox, 'gcal');
    cancelled.version = gc.version();
    const inc = await runSync(deps, { source: 'gcal', mode: 'incremental' });
    assert.equal(inc.status, 'success', inc.error ?? '');
    await drainOutbox(deps);
    assert.ok(await deletedAt(db, 'calendar_events', 'gcal', cancelled.id), 'a cancelled event is deleted');
    const report = (await app.inject({ method: 'GET', url: `/runs/${inc.runId}`, headers: API_HEADERS })).json() as { recordsDeleted: number };
    assert.ok(report.recordsDeleted >= 1, JSON.stringify(report));

    // Deleted while the sync token expired, and forgotten by Google: the 410 full resync does not list it.
    gc.events.splice(gc.events.indexOf(vanished), 1);
    await controlSim(sandbox, 'gcal', '/__sandbox/expire-sync-tokens', {});
    const resync = await runSync(deps, { source: 'gcal', mode: 'incremental' });
    assert.equal(resync.status, 'success', resync.error ?? '');
    assert.equal(resync.fullBackfillTriggered, true);
    await drainOutbox(deps);
    assert.ok(await deletedAt(db, 'calendar_events', 'gcal', vanished.id), 'an event the full resync no longer returns is deleted');
    const stillLive = live.slice(2).filter((e) => e.status !== 'cancelled' && gc.events.includes(e));
    for (const e of stillLive) assert.equal(await deletedAt(db, 'calendar_events', 'gcal', e.id), null, `event ${e.id} kept`);
    const shown = (await app.inject({ method: 'GET', url: '/calendar-events?source=gcal&limit=500&includeDeleted=true', headers: API_HEADERS })).json() as { data: Array<{ externalId: string; deletedAt: string | null }> };
    assert.ok(shown.data.find((e) => e.externalId === vanished.id)?.deletedAt);
    const hidden = (await app.inject({ method: 'GET', url: '/calendar-events?source=gcal&limit=500', headers: API_HEADERS })).json() as { data: Array<{ externalId: string; deletedAt: string | null }> };
    assert.ok(!hidden.data.some((e) => e.externalId === vanished.id || e.externalId === cancelled.id));
    assert.ok(hidden.data.every((e) => e.deletedAt === null));

    // It comes back (restored upstream): the next incremental read restores the row.
    await controlSim(sandbox, 'gcal', '/__sandbox/advance', { hours: 1 });
    vanished.updated = simNow(sandbox, 'gcal');
    vanished.version = gc.version();
    gc.events.push(vanished);
    const back = await runSync(deps, { source: 'gcal', mode: 'incremental' });
    assert.equal(back.status, 'success', back.error ?? '');
    await drainOutbox(deps);
    assert.equal(await deletedAt(db, 'calendar_events', 'gcal', vanished.id), null, 'restored');
  });
});

describe('deletes: a Stripe object the API answers resource_missing for', () => {
  const db = useTestDb();
  let sandbox: Sandbox;
  let deps: IngestDeps;
  before(async () => {
    ({ sandbox, deps } = await startSandboxDeps(db.pool, ['stripe'], { env: { SANDBOX_STRIPE_RECORDS: '40', SANDBOX_STRIPE_SEED: '14', SANDBOX_STRIPE_POISON_RATE: '0' } }));
    db.closeLater(sandbox);
  });

  it('is marked deleted and leaves revenue (rollup exact); an older state still in the outbox does not bring it back, a newer one restores it', async () => {
    const full = await runSync(deps, { source: 'stripe', mode: 'full' });
    assert.equal(full.status, 'success', full.error ?? '');
    await drainOutbox(deps);
    const { rows } = await db.pool.query<{ external_id: string }>(
      "SELECT external_id FROM payments WHERE source = 'stripe' AND kind = 'charge' AND buffalo_counts_as_revenue(kind, status, deleted_at) ORDER BY external_id LIMIT 1",
    );
    const id = rows[0]!.external_id;
    const res = await fetch(`${sandbox.urls.stripe}/v1/charges/${id}`, { headers: { authorization: `Bearer ${sandbox.credentials.stripe.apiKey}` } });
    const listed = (await res.json()) as unknown;

    // What the connector queues when Stripe answers "No such charge" (src/connectors/stripe/deletedRecord.ts).
    const gone = deletedRecord('charge', id, Date.now());
    const older = { ...toRawRecord('charge', listed), version: timeVersion(Date.now() - 60_000) };
    const newer = { ...toRawRecord('charge', listed), version: timeVersion(Date.now() + 60_000) };
    const enqueue = (r: RawRecord) => enqueueMany(db.pool, INGEST_QUEUE, [{ payload: { source: 'stripe', entity: r.entity, externalId: r.externalId, payload: r.payload, hash: hashContent(r.payload), version: r.version ?? null, runId: null } }]);

    await enqueue(gone);
    await drainOutbox(deps);
    assert.ok(await deletedAt(db, 'payments', 'stripe', id), 'deleted');
    const counts = await db.pool.query('SELECT 1 FROM payments WHERE external_id = $1 AND buffalo_counts_as_revenue(kind, status, deleted_at)', [id]);
    assert.equal(counts.rows.length, 0, 'left revenue');
    assert.deepEqual(await verifyRevenueRollup(db.pool), []);

    await enqueue(older);
    await drainOutbox(deps);
    assert.ok(await deletedAt(db, 'payments', 'stripe', id), 'an older state does not restore it');

    await enqueue(newer);
    await drainOutbox(deps);
    assert.equal(await deletedAt(db, 'payments', 'stripe', id), null, 'a newer state restores it');
    assert.deepEqual(await verifyRevenueRollup(db.pool), []);
  });
});
