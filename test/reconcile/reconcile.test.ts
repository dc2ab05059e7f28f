import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { ADMIN_HEADERS, API_HEADERS, buildTestApp } from '../helpers/app.ts';
import { resolveConfig } from '../../src/config.ts';
import { createConnectors } from '../../src/connectors/index.ts';
import type { App } from '../../src/http/index.ts';
import { createScheduler, ingestRoutes, runSync, type DailySummary, type IngestDeps } from '../../src/ingest/index.ts';
import { silentLogger } from '../../src/log.ts';
import { createReconcileScheduler, createReconcileWorker, reconcileReadinessCheck, reconcileRoutes, reconciliationStatus, runReconciliation } from '../../src/reconcile/index.ts';
import { createManualClock, type RunningSimulator } from '../../src/sandbox/common/index.ts';
import { startHubspotSimulator, type HubspotSimState } from '../../src/sandbox/hubspot/index.ts';
import { touch } from '../../src/sandbox/hubspot/data.ts';
import { drainOutbox } from '../ingest/fixtures/support.ts';

// A frozen simulator (no activity): the upstream changes only when a test says so.
const T0 = Date.parse('2026-05-04T12:00:00Z');
const NO_ACTIVITY = { newDeals: 0, newContacts: 0, dealUpdates: 0, contactUpdates: 0, dealArchives: 0 };

describe('reconciliation and targeted repair against the HubSpot simulator over HTTP', () => {
  const db = useTestDb();
  let sim: RunningSimulator<HubspotSimState>;
  let deps: IngestDeps;
  let app: App;
  let key = 0;
  const idem = () => ({ 'idempotency-key': `rk-${++key}` });
  before(async () => {
    sim = db.closeLater(await startHubspotSimulator({ port: 0, clock: createManualClock(T0), rates: NO_ACTIVITY, faults: { records: 40, poisonRate: 0, errorRate: 0, timeoutRate: 0, hostileRate: 0, rateLimitPerMin: 0 } }));
    const config = resolveConfig({ NODE_ENV: 'test', HUBSPOT_API_BASE: sim.url, HUBSPOT_ACCESS_TOKEN: 'pat-test', HUBSPOT_RATE_LIMIT_PER_MIN: '0', HUBSPOT_RETRY_BASE_MS: '5' });
    deps = { pool: db.pool, config, logger: silentLogger, connectors: createConnectors(config, { logger: silentLogger }) };
    assert.ok(deps.connectors.hubspot, 'hubspot connector wired to the simulator');
    app = db.closeLater(await buildTestApp(db.pool, { readiness: [reconcileReadinessCheck(db.pool)] }));
    await app.register(reconcileRoutes, { pool: db.pool });
    await app.register(ingestRoutes, { pool: db.pool, connectors: deps.connectors });
    await app.ready();
    const run = await runSync(deps, { source: 'hubspot', mode: 'full' });
    assert.equal(run.status, 'success', run.error ?? '');
    await drainOutbox(deps);
  });

  const cursors = async () => (await db.pool.query("SELECT entity, cursor FROM sync_cursors WHERE source = 'hubspot' ORDER BY entity")).rows;

  it('reports 0 after a sync', async () => {
    const r = await runReconciliation(deps, { source: 'hubspot' });
    assert.equal(r.status, 'done', r.error ?? '');
    assert.ok(r.result!.upstreamRows > 0);
    assert.equal(r.result!.storedRows, r.result!.upstreamRows);
    assert.deepEqual([r.result!.missing.count, r.result!.extra.count, r.result!.different.count], [0, 0, 0], JSON.stringify(r.result));
  });

  it('a row edited by hand is different, a row deleted by hand is missing; --repair fixes both (then 0)', async () => {
    const edited = (await db.pool.query<{ external_id: string; amount_cents: string }>("UPDATE payments SET amount_cents = amount_cents + 12345 WHERE id = (SELECT min(id) FROM payments WHERE source = 'hubspot') RETURNING external_id, amount_cents")).rows[0]!;
    const deleted = (await db.pool.query<{ external_id: string }>("DELETE FROM contacts WHERE id = (SELECT min(id) FROM contacts WHERE source = 'hubspot') RETURNING external_id")).rows[0]!;
    const cursorsBefore = await cursors();

    const found = await runReconciliation(deps, { source: 'hubspot' });
    const res = found.result!;
    assert.equal(res.different.count, 1, JSON.stringify(res));
    assert.equal(res.missing.count, 1, JSON.stringify(res));
    assert.equal(res.extra.count, 0);
    assert.deepEqual(res.different.samples.map((s) => [s.table, s.externalId, s.fields.map((f) => f.field)]), [['payments', edited.external_id, ['amountCents']]]);
    assert.equal(res.different.samples[0]!.fields[0]!.stored, edited.amount_cents);
    assert.deepEqual(res.missing.samples, [{ table: 'contacts', externalId: deleted.external_id }]);

    const repaired = await runReconciliation(deps, { source: 'hubspot', repair: true });
    assert.equal(repaired.result!.repair!.recordsEnqueued, 2, JSON.stringify(repaired.result));
    const run = (await db.pool.query('SELECT entity, trigger, records_enqueued FROM sync_runs WHERE id = $1', [repaired.result!.repair!.runId])).rows[0];
    assert.equal(run.entity, 'reconcile');
    assert.equal(run.records_enqueued, 2);
    await drainOutbox(deps);
    assert.deepEqual(await cursors(), cursorsBefore, 'a repair never moves a cursor');

    const after = await runReconciliation(deps, { source: 'hubspot' });
    assert.deepEqual([after.result!.missing.count, after.result!.extra.count, after.result!.different.count], [0, 0, 0], JSON.stringify(after.result));
  });

  it('a row the upstream no longer has is extra, reported only (also on repair); /readyz warns and stays 200', async () => {
    await db.pool.query(
      `INSERT INTO contacts (source, connection_id, external_id, email) VALUES ('hubspot', 'hubspot-default', 'gone-upstream-1', 'ghost@example.com')`,
    );
    const r = await runReconciliation(deps, { source: 'hubspot', repair: true });
    assert.equal(r.result!.extra.count, 1);
    assert.deepEqual(r.result!.extra.samples, [{ table: 'contacts', externalId: 'gone-upstream-1' }]);
    assert.match(r.result!.repair!.extraHandling, /reported only/);
    assert.equal(r.result!.repair!.runId, null, 'nothing to re-sync');

    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    const section = ready.json().checks.reconciliation;
    assert.equal(section.ok, true);
    assert.match(section.warnings.join('\n'), /hubspot: tables differ from the upstream \(missing 0, extra 1, different 0/);
    assert.equal(ready.json().status, 'ok', 'a difference is a warning, not degraded');

    // The daily summary carries the same warning.
    const delivered: DailySummary[] = [];
    // No connectors: this tick sends the summary and accepts no sync that would move a cursor.
    const scheduler = createScheduler({ ...deps, connectors: {} }, { deliver: async (_url, s) => void delivered.push(s), extendSummary: async (tx, s) => ({ ...s, reconciliation: await reconciliationStatus(tx) }) });
    const { summary } = await scheduler.runOnce(Date.parse('2026-05-05T23:00:00Z'));
    assert.match(summary!.reconciliation!.warnings.join('\n'), /hubspot: tables differ/);

    await db.pool.query("DELETE FROM contacts WHERE external_id = 'gone-upstream-1'");
    const clean = await runReconciliation(deps, { source: 'hubspot' });
    assert.equal(clean.result!.extra.count, 0);
    const readyAgain = await app.inject({ method: 'GET', url: '/readyz' });
    assert.deepEqual(readyAgain.json().checks.reconciliation.warnings, []);
  });

  it('a record changed upstream after the last sync finished is pending, not different; a targeted sync by id brings it', async () => {
    const rec = sim.state.world().stores.contacts.items.find((c) => !c.archived)!;
    rec.props.firstname = 'Changed-Upstream';
    touch(rec, 'contacts', Date.now() + 3_600_000);
    const r = await runReconciliation(deps, { source: 'hubspot' });
    assert.equal(r.result!.pending, 1, JSON.stringify(r.result));
    assert.deepEqual([r.result!.missing.count, r.result!.extra.count, r.result!.different.count], [0, 0, 0]);
    const run = await runSync(deps, { source: 'hubspot', mode: 'incremental', target: { kind: 'id', id: rec.id } });
    assert.equal(run.recordsEnqueued, 1);
    await drainOutbox(deps);
    const after = await runReconciliation(deps, { source: 'hubspot' });
    assert.equal(after.result!.pending, 0, 'stored equals the upstream now');
    assert.equal((await db.pool.query('SELECT first_name FROM contacts WHERE external_id = $1', [rec.id])).rows[0].first_name, 'Changed-Upstream');
  });

  it('POST /reconcile/:source: admin only, 202 {reconciliationId}, idempotent replay, GET /reconciliations/:id status and result', async () => {
    const noAdmin = await app.inject({ method: 'POST', url: '/reconcile/hubspot', headers: { ...API_HEADERS, ...idem() } });
    assert.equal(noAdmin.statusCode, 401);
    const noKey = await app.inject({ method: 'POST', url: '/reconcile/hubspot', headers: ADMIN_HEADERS });
    assert.equal(noKey.json().error, 'idempotency_key_required', noKey.body);
    const headers = { ...ADMIN_HEADERS, ...idem() };
    const accepted = await app.inject({ method: 'POST', url: '/reconcile/hubspot', headers });
    assert.equal(accepted.statusCode, 202);
    const { reconciliationId } = accepted.json();
    assert.deepEqual(accepted.json(), { reconciliationId, source: 'hubspot', connectionId: 'hubspot-default', repair: false, status: 'accepted' });
    const replay = await app.inject({ method: 'POST', url: '/reconcile/hubspot', headers });
    assert.equal(replay.statusCode, 202);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.json().reconciliationId, reconciliationId);
    assert.equal((await db.pool.query('SELECT count(*)::int AS n FROM reconciliations WHERE trigger = $1', ['api'])).rows[0].n, 1, 'one accepted');

    const queued = await app.inject({ method: 'GET', url: `/reconciliations/${reconciliationId}`, headers: API_HEADERS });
    assert.equal(queued.json().status, 'queued');
    await createReconcileWorker(deps).runOnce();
    const done = await app.inject({ method: 'GET', url: `/reconciliations/${reconciliationId}`, headers: API_HEADERS });
    assert.equal(done.statusCode, 200);
    assert.equal(done.json().status, 'done');
    assert.equal(done.json().result.different.count, 0);
    const missing = await app.inject({ method: 'GET', url: '/reconciliations/00000000-0000-4000-8000-000000000000', headers: API_HEADERS });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error, 'reconciliation_not_found');
  });

  it('the daily reconciliation fires once across two scheduler instances', async () => {
    const a = createReconcileScheduler(deps, { hourUtc: 3 });
    const b = createReconcileScheduler(deps, { hourUtc: 3 });
    assert.deepEqual(await a.runOnce(Date.parse('2026-05-06T02:00:00Z')), [], 'not before the hour');
    const t = Date.parse('2026-05-06T03:00:30Z');
    const [fa, fb] = await Promise.all([a.runOnce(t), b.runOnce(t + 1)]);
    assert.deepEqual([...fa, ...fb].map((f) => f.source), ['hubspot']);
    assert.deepEqual(await b.runOnce(t + 3_600_000), [], 'same day: nothing more');
    assert.equal((await a.runOnce(t + 86_400_000)).length, 1, 'next day: the next one');
    const rows = (await db.pool.query("SELECT status, repair FROM reconciliations WHERE trigger = 'scheduler'")).rows;
    assert.deepEqual(rows, [{ status: 'queued', repair: false }, { status: 'queued', repair: false }]);
  });

  it('targeted repair by id re-fetches exactly that record and leaves the cursor alone', async () => {
    const gone = (await db.pool.query<{ external_id: string }>("DELETE FROM contacts WHERE id = (SELECT max(id) FROM contacts WHERE source = 'hubspot') RETURNING external_id")).rows[0]!;
    const before = await cursors();
    const run = await runSync(deps, { source: 'hubspot', mode: 'incremental', target: { kind: 'id', id: gone.external_id }, trigger: 'cli' });
    assert.equal(run.status, 'success', run.error ?? '');
    assert.equal(run.entity, `id=${gone.external_id}`);
    assert.equal(run.recordsFetched, 1);
    assert.equal(run.recordsEnqueued, 1, 'enqueued although its content hash is unchanged: a repair');
    const jobs = (await db.pool.query("SELECT payload->>'externalId' AS id FROM jobs WHERE queue = 'ingest' AND payload->>'runId' = $1", [run.runId])).rows;
    assert.deepEqual(jobs, [{ id: gone.external_id }]);
    await drainOutbox(deps);
    assert.equal((await db.pool.query('SELECT 1 FROM contacts WHERE external_id = $1', [gone.external_id])).rowCount, 1, 'row back');
    assert.deepEqual(await cursors(), before, 'cursor untouched');
    assert.deepEqual(run.cursorAfter, {}, 'the run reports no cursor');
  });

  it('targeted repair by date range re-fetches exactly the records modified in it; also through POST /trigger', async () => {
    const truth = sim.state.truth();
    const day = truth.deals.filter((d) => !d.archived)[3]!.hs_lastmodifieddate.slice(0, 10);
    const expected = [
      ...truth.deals.filter((d) => !d.archived && d.hs_lastmodifieddate.startsWith(day)).map((d) => d.id),
      ...truth.contacts.filter((c) => !c.archived && c.lastmodifieddate.startsWith(day)).map((c) => c.id),
    ].sort();
    const before = await cursors();
    const res = await app.inject({ method: 'POST', url: '/trigger/hubspot/incremental', headers: { ...ADMIN_HEADERS, ...idem(), 'content-type': 'application/json' }, payload: { since: day, until: day } });
    assert.equal(res.statusCode, 202, res.body);
    const { runId } = res.json();
    const { createSyncWorker } = await import('../../src/ingest/index.ts');
    await createSyncWorker(deps).runOnce();
    const run = (await app.inject({ method: 'GET', url: `/runs/${runId}`, headers: API_HEADERS })).json();
    assert.equal(run.status, 'success', run.error ?? '');
    assert.equal(run.entity, `range=${day}..${day}`);
    assert.equal(run.trigger, 'api');
    const jobs = (await db.pool.query<{ id: string }>("SELECT payload->>'externalId' AS id FROM jobs WHERE queue = 'ingest' AND payload->>'runId' = $1", [runId])).rows.map((r) => r.id).sort();
    assert.deepEqual(jobs, expected);
    assert.deepEqual(await cursors(), before, 'cursor untouched');
    await drainOutbox(deps);

    const bad = await app.inject({ method: 'POST', url: '/trigger/hubspot/incremental?since=2026-13-01', headers: { ...ADMIN_HEADERS, ...idem() } });
    assert.equal(bad.statusCode, 400);
    const both = await app.inject({ method: 'POST', url: '/trigger/hubspot/incremental?since=2026-05-01&id=1', headers: { ...ADMIN_HEADERS, ...idem() } });
    assert.equal(both.statusCode, 400);
    assert.equal(both.json().field, 'id', both.body);
    const stripe = await app.inject({ method: 'POST', url: '/trigger/stripe/full?id=ch_1', headers: { ...ADMIN_HEADERS, ...idem() } });
    assert.equal(stripe.statusCode, 400, 'a source without a connector here cannot serve a targeted run');
    assert.match(stripe.json().message, /stripe is disabled/);
  });
});
