import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { useTestDb } from '../helpers/testResources.ts';
import { resolveConfig } from '../../src/config.ts';
import { createConnectors } from '../../src/connectors/index.ts';
import { withTransaction } from '../../src/db/index.ts';
import { insertRun, markRunFailed, runSync, type IngestDeps } from '../../src/ingest/index.ts';
import { createLogger } from '../../src/log.ts';
import { createReconcileScheduler, createReconcileWorker, reconciliationStatus, runReconciliation } from '../../src/reconcile/index.ts';
import { createManualClock } from '../../src/sandbox/common/index.ts';
import { startHubspotSimulator } from '../../src/sandbox/hubspot/index.ts';
import { drainOutbox } from '../ingest/fixtures/support.ts';

const T0 = Date.parse('2026-05-04T12:00:00Z');
const NO_ACTIVITY = { newDeals: 0, newContacts: 0, dealUpdates: 0, contactUpdates: 0, dealArchives: 0 };
const DAY1 = Date.parse('2026-05-06T03:00:30Z');
const DAY2 = Date.parse('2026-05-07T03:00:30Z');

describe('the daily reconciliation waits for a completed sync and never overlaps one as missing rows', () => {
  const db = useTestDb();
  let deps: IngestDeps;
  const lines: Array<{ level: number; msg: string; connectionId?: string }> = [];
  const capture = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  before(async () => {
    const sim = db.closeLater(await startHubspotSimulator({ port: 0, clock: createManualClock(T0), rates: NO_ACTIVITY, faults: { records: 30, poisonRate: 0, errorRate: 0, timeoutRate: 0, hostileRate: 0, rateLimitPerMin: 0 } }));
    const config = resolveConfig({ NODE_ENV: 'test', HUBSPOT_API_BASE: sim.url, HUBSPOT_ACCESS_TOKEN: 'pat-test', HUBSPOT_RATE_LIMIT_PER_MIN: '0', HUBSPOT_RETRY_BASE_MS: '5' });
    const logger = createLogger({ level: 'info', format: 'json' }, capture);
    deps = { pool: db.pool, config, logger, connectors: createConnectors(config, { logger }) };
  });

  // A run as a sync worker's in-flight run stands in sync_runs (another process is running it).
  const startRunElsewhere = () => insertRun(db.pool, { source: 'hubspot', connectionId: 'hubspot-default', entity: '*', mode: 'full', status: 'running', trigger: 'scheduler' });
  const endRun = (runId: string) => withTransaction(db.pool, (tx) => markRunFailed(tx, runId, 'ended by the test'));
  const waits = (reason: string) => lines.filter((l) => l.msg === `daily reconciliation waits: ${reason}` && l.connectionId === 'hubspot-default' && l.level === 30);
  const slotsTaken = async () => (await db.pool.query("SELECT slot FROM scheduler_ticks WHERE name = 'reconcile:hubspot-default' ORDER BY slot")).rows.map((r) => r.slot);

  it('a connection whose first sync has not completed is passed over, logged once at info, and the day\'s slot stays free', async () => {
    const scheduler = createReconcileScheduler(deps, { hourUtc: 3 });
    assert.deepEqual(await scheduler.runOnce(DAY1), [], 'never synced');
    const first = await startRunElsewhere();
    assert.deepEqual(await scheduler.runOnce(DAY1 + 60_000), [], 'first sync still running');
    assert.equal(waits('no sync of this connection has completed yet').length, 1, 'said once per day, not every tick');
    assert.deepEqual(await slotsTaken(), [], 'skipping claims no slot');
    assert.equal((await db.pool.query('SELECT count(*)::int AS n FROM reconciliations')).rows[0].n, 0);
    await endRun(first);
  });

  it('a reconciliation while a sync of the connection runs counts the rows not yet stored as pending, not missing', async () => {
    const running = await startRunElsewhere();
    const beside = await runReconciliation(deps, { source: 'hubspot' });
    const r = beside.result!;
    assert.ok(r.upstreamRows > 0);
    assert.equal(r.storedRows, 0);
    assert.deepEqual([r.missing.count, r.different.count, r.extra.count, r.pending], [0, 0, 0, r.upstreamRows], JSON.stringify(r));
    await endRun(running);
    // The same empty tables with no sync running: now they are missing.
    const alone = await runReconciliation(deps, { source: 'hubspot' });
    assert.equal(alone.result!.missing.count, alone.result!.upstreamRows, JSON.stringify(alone.result));
    assert.equal(alone.result!.pending, 0);
  });

  it('once the first sync succeeded, a later tick the same day reconciles it (0 differences, no warning); a running sync defers the next day\'s', async () => {
    const scheduler = createReconcileScheduler(deps, { hourUtc: 3 });
    const run = await runSync(deps, { source: 'hubspot', mode: 'full' });
    assert.equal(run.status, 'success', run.error ?? '');
    await drainOutbox(deps);
    const fired = await scheduler.runOnce(DAY1 + 10 * 60_000);
    assert.deepEqual(fired.map((f) => f.connectionId), ['hubspot-default'], 'picked up the same day');
    assert.deepEqual(await scheduler.runOnce(DAY1 + 20 * 60_000), [], 'once per day');
    await createReconcileWorker(deps).runOnce();
    const done = (await db.pool.query('SELECT status, missing, extra, different FROM reconciliations WHERE id = $1', [fired[0]!.reconciliationId])).rows[0];
    assert.deepEqual(done, { status: 'done', missing: 0, extra: 0, different: 0 });
    assert.deepEqual((await reconciliationStatus(db.pool)).warnings, []);

    const running = await startRunElsewhere();
    assert.deepEqual(await scheduler.runOnce(DAY2), [], 'a sync is running');
    assert.equal(waits('a sync of this connection is running').length, 1);
    await endRun(running);
    assert.equal((await scheduler.runOnce(DAY2 + 60_000)).length, 1, 'picked up once the sync ended');
    assert.deepEqual(await slotsTaken(), ['2026-05-06', '2026-05-07']);
  });
});
