import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb, type TestDbFixture } from '../helpers/testResources.ts';
import { createAdplatformConnector, stripeEventVersion, stripeReadVersion, timeVersion } from '../../src/connectors/index.ts';
import { hashContent, type IngestJobPayload } from '../../src/ingest/index.ts';
import { createPolicy } from '../../src/resilience/index.ts';
import { verifyRevenueRollup } from '../../src/revenue/index.ts';
import { fastSettings } from '../connectors/policy.ts';
import { charge, createStripeDouble, deliverWebhook, event, retryJobs, waitingJobs, writeSyncPage } from './fixtures/stripeDouble.ts';
import { drainOutbox, testDeps } from './fixtures/support.ts';

const T0 = Date.parse('2026-03-02T12:00:00.000Z');
const S0 = T0 / 1000;

interface PaymentDbRow { external_id: string; status: string; amount_cents: string; refunded_cents: string; source_version: string | null }

async function payment(db: TestDbFixture, id: string): Promise<PaymentDbRow | undefined> {
  const { rows } = await db.pool.query<PaymentDbRow>('SELECT external_id, status, amount_cents, refunded_cents, source_version FROM payments WHERE external_id = $1', [id]);
  return rows[0];
}

async function assertRollupMatchesRows(db: TestDbFixture): Promise<void> {
  assert.deepEqual(await verifyRevenueRollup(db.pool), [], 'the rollup equals a recomputation from payments');
  const sums = await db.pool.query<{ rollup_refunded: string; rows_refunded: string; rollup_gross: string; rows_gross: string }>(`
    SELECT (SELECT coalesce(sum(refunded_00 + refunded_15 + refunded_30 + refunded_45), 0) FROM revenue_rollup)::text AS rollup_refunded,
           (SELECT coalesce(sum(refunded_cents), 0) FROM payments WHERE buffalo_counts_as_revenue(kind, status))::text AS rows_refunded,
           (SELECT coalesce(sum(gross_00 + gross_15 + gross_30 + gross_45), 0) FROM revenue_rollup)::text AS rollup_gross,
           (SELECT coalesce(sum(amount_cents), 0) FROM payments WHERE buffalo_counts_as_revenue(kind, status))::text AS rows_gross`);
  const s = sums.rows[0]!;
  assert.deepEqual([s.rollup_gross, s.rollup_refunded], [s.rows_gross, s.rows_refunded]);
}

describe('versions never regress (real PostgreSQL)', () => {
  const db = useTestDb();
  beforeEach(async () => {
    await db.pool.query('TRUNCATE payments, campaigns, sync_cursors, sync_runs, sync_run_tallies, ingest_record_hashes, webhook_events, jobs, dead_letters');
  });

  it('a refunded charge stays REFUNDED after a retried stale backfill batch, and its redelivered event is not lost', async () => {
    const up = createStripeDouble(T0);
    const deps = testDeps(db.pool, [up.connector]);
    up.charges.push(charge('ch_1', 1500, 0, S0 - 100));

    // Backfill at T0: the listed charge carries the version of its read.
    const backfill = await up.read(null, 'full');
    const chargePage = backfill[0]!;
    assert.deepEqual(chargePage.records.map((r) => [r.entity, r.externalId, r.version]), [['charge', 'ch_1', stripeReadVersion(T0)]]);
    for (const page of backfill) await writeSyncPage(db.pool, up.connector, page);
    const backfillJobs = await waitingJobs(db.pool);
    assert.deepEqual(backfillJobs.map((j) => [j.externalId, j.version]), [['ch_1', stripeReadVersion(T0)]], 'the version travels in the outbox job');
    await drainOutbox(deps);
    assert.equal((await payment(db, 'ch_1'))?.status, 'COLLECTED');

    // The refund, 5 s later, arrives by webhook.
    up.nowMs = T0 + 5000;
    up.charges[0] = charge('ch_1', 1500, 1500, S0 - 100);
    const refund = { id: 're_1', object: 'refund', amount: 1500, charge: 'ch_1', currency: 'usd', status: 'succeeded', created: S0 + 5 };
    up.refunds.push(refund);
    const refunded = event('evt_refunded', 'charge.refunded', S0 + 5, up.charges[0]);
    const created = event('evt_refund', 'refund.created', S0 + 5, refund);
    up.events.push(refunded, created);
    assert.equal(await deliverWebhook(db.pool, refunded), true);
    assert.equal(await deliverWebhook(db.pool, created), true);
    await drainOutbox(deps);
    assert.deepEqual(await payment(db, 'ch_1'), { external_id: 'ch_1', status: 'REFUNDED', amount_cents: '1500', refunded_cents: '1500', source_version: stripeEventVersion(refunded.created, refunded.id) });

    // The backfill batch is retried (queue retry / DLQ replay), and its page is committed late.
    await retryJobs(db.pool, backfillJobs);
    await writeSyncPage(db.pool, up.connector, chargePage);
    await drainOutbox(deps);
    const afterRetry = await payment(db, 'ch_1');
    assert.deepEqual([afterRetry?.status, afterRetry?.refunded_cents], ['REFUNDED', '1500'], 'the stale batch lost');

    // Stripe redelivers the event, and the next incremental run reads it again: still REFUNDED.
    assert.equal(await deliverWebhook(db.pool, refunded), false, 'a redelivery is recognised');
    up.nowMs = T0 + 10_000;
    for (const page of await up.read(backfill.at(-1)!.cursorAfter, 'incremental')) await writeSyncPage(db.pool, up.connector, page);
    await drainOutbox(deps);
    const final = await payment(db, 'ch_1');
    assert.deepEqual([final?.status, final?.refunded_cents], ['REFUNDED', '1500']);
    assert.equal((await payment(db, 're_1'))?.status, 'REFUNDED', 'the refund row is stored');

    // A later backfill reads the refunded charge: newer than the event, same state.
    up.nowMs = T0 + 60_000;
    for (const page of await up.read(null, 'full')) await writeSyncPage(db.pool, up.connector, page);
    await drainOutbox(deps);
    const reread = await payment(db, 'ch_1');
    assert.deepEqual([reread?.status, reread?.refunded_cents, reread?.source_version], ['REFUNDED', '1500', stripeReadVersion(T0 + 60_000)]);
    await assertRollupMatchesRows(db);
  });

  it('content seen before is not skipped as a duplicate once a newer event replaced it', async () => {
    const up = createStripeDouble(T0);
    const deps = testDeps(db.pool, [up.connector]);
    up.charges.push(charge('ch_2', 900, 0, S0 - 100));
    for (const page of await up.read(null, 'full')) await writeSyncPage(db.pool, up.connector, page);
    await drainOutbox(deps);
    // An event with other content (a partial refund later reversed, say) replaces the row…
    const changed = event('evt_partial', 'charge.updated', S0 + 5, charge('ch_2', 900, 300, S0 - 100));
    await deliverWebhook(db.pool, changed);
    await drainOutbox(deps);
    assert.equal((await payment(db, 'ch_2'))?.refunded_cents, '300');
    // …and a later read shows the first content again: it is newer, so it is enqueued and wins.
    up.nowMs = T0 + 60_000;
    for (const page of await up.read(null, 'full')) await writeSyncPage(db.pool, up.connector, page);
    await drainOutbox(deps);
    assert.equal((await payment(db, 'ch_2'))?.refunded_cents, '0');
    // Read once more with nothing new in between: now a duplicate again.
    up.nowMs = T0 + 120_000;
    for (const page of await up.read(null, 'full')) await writeSyncPage(db.pool, up.connector, page);
    assert.deepEqual((await waitingJobs(db.pool)).filter((j) => j.entity === 'charge'), [], 'unchanged content with no newer writer in between is deduped');
  });

  it('a stale campaign write does not overwrite a newer one, whatever order the processor sees them in', async () => {
    const connector = createAdplatformConnector({ apiUrl: 'http://127.0.0.1:9', email: 'ops@example.com', password: 'unused', policy: createPolicy('adplatform', fastSettings()) });
    const deps = testDeps(db.pool, [connector]);
    const campaign = (budget: number, name: string) => ({ id: 'cmp_1', name, status: 'active', budget, impressions: 10, clicks: 1, conversions: 0, created_at: '2026-01-01T00:00:00Z' });
    const job = (payload: unknown, fetchedAt: number): IngestJobPayload => ({ source: 'adplatform', entity: 'campaign', externalId: 'cmp_1', payload, hash: hashContent(payload), version: timeVersion(fetchedAt), runId: null });
    const newer = job(campaign(250, 'Spring v2'), T0 + 60_000);
    const older = job(campaign(100, 'Spring'), T0);
    await retryJobs(db.pool, [newer]);
    await drainOutbox(deps);
    await retryJobs(db.pool, [older]);
    await drainOutbox(deps);
    const { rows } = await db.pool.query<{ name: string; budget_cents: string }>("SELECT name, budget_cents FROM campaigns WHERE external_id = 'cmp_1'");
    assert.deepEqual(rows, [{ name: 'Spring v2', budget_cents: '25000' }]);
    // Both in one batch, stale one last: the newer still wins.
    await db.pool.query('TRUNCATE campaigns');
    await retryJobs(db.pool, [newer, older]);
    await drainOutbox(deps);
    const again = await db.pool.query<{ name: string }>("SELECT name FROM campaigns WHERE external_id = 'cmp_1'");
    assert.deepEqual(again.rows, [{ name: 'Spring v2' }]);
  });
});
