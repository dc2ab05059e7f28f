/**
 * Upstream changes made the way users make them — the vendors' official clients against the
 * simulators — reach Buffalo's tables and revenue through the next incremental sync, and a
 * reconciliation then finds nothing to repair.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@hubspot/api-client';
import Stripe from 'stripe';
import { runSync, type IngestDeps } from '../../src/ingest/index.ts';
import { runReconciliation } from '../../src/reconcile/index.ts';
import { summarizeRevenue, verifyRevenueRollup } from '../../src/revenue/index.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import type { HubspotTruth } from '../../src/sandbox/hubspot/state.ts';
import type { StripeTruth } from '../../src/sandbox/stripe/index.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { drainOutbox } from './fixtures/support.ts';
import { startSandboxDeps, truthOf } from './fixtures/sandboxDeps.ts';

async function syncAndDrain(deps: IngestDeps, source: 'stripe' | 'hubspot', mode: 'incremental' | 'full'): Promise<void> {
  const run = await runSync(deps, { source, mode });
  assert.ok(run.status === 'success' || run.status === 'partial', `${source} ${mode}: ${run.status} ${run.error ?? ''}`);
  await drainOutbox(deps);
}

describe('upstream writes through the official clients reach the tables and revenue', () => {
  const db = useTestDb();
  let sandbox: Sandbox;
  let deps: IngestDeps;
  before(async () => {
    ({ sandbox, deps } = await startSandboxDeps(db.pool, ['stripe', 'hubspot'], {
      env: { SANDBOX_STRIPE_RECORDS: '40', SANDBOX_STRIPE_POISON_RATE: '0', SANDBOX_HUBSPOT_RECORDS: '40', SANDBOX_HUBSPOT_POISON_RATE: '0' },
    }));
    db.closeLater(sandbox);
    await syncAndDrain(deps, 'stripe', 'full');
    await syncAndDrain(deps, 'hubspot', 'full');
  });

  it('a deal archived with crm.deals.basicApi.archive leaves revenue after the next incremental sync (rollup exact)', async () => {
    const truth = await truthOf<HubspotTruth>(sandbox, 'hubspot');
    const deal = truth.deals.find((d) => !d.archived && d.dealstage === 'closedwon' && d.amountMinor !== null && d.currency);
    assert.ok(deal, 'the simulator has a won deal');
    const currency = deal.currency!.toUpperCase();
    const revenue = () => summarizeRevenue(db.pool, { source: 'hubspot', currency, timezone: 'UTC' });
    const before = await revenue();

    const hubspot = new Client({ accessToken: deps.config.hubspot.accessToken!, basePath: sandbox.urls.hubspot! });
    await hubspot.crm.deals.basicApi.archive(deal.id);
    await syncAndDrain(deps, 'hubspot', 'incremental');

    const after = await revenue();
    assert.equal(BigInt(after.totalRevenueCents), BigInt(before.totalRevenueCents) - BigInt(deal.amountMinor!), 'the archived deal no longer counts');
    assert.equal(after.count, before.count - 1);
    const { rows } = await db.pool.query<{ deleted: boolean }>("SELECT deleted_at IS NOT NULL AS deleted FROM payments WHERE source = 'hubspot' AND external_id = $1", [deal.id]);
    assert.deepEqual(rows, [{ deleted: true }], 'kept, marked deleted');
    assert.deepEqual(await verifyRevenueRollup(db.pool), []);
  });

  it('a refund made with stripe.refunds.create shows in refundedCents after the next incremental sync', async () => {
    const truth = await truthOf<StripeTruth>(sandbox, 'stripe');
    const charge = truth.charges.find((c) => c.status === 'succeeded' && c.amount_refunded === 0 && c.amount > 500);
    assert.ok(charge, 'the simulator has an unrefunded charge');
    const url = new URL(sandbox.urls.stripe!);
    const stripe = new Stripe(deps.config.stripe.apiKey!, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
    await stripe.refunds.create({ charge: charge.id, amount: 300 });
    await syncAndDrain(deps, 'stripe', 'incremental');

    const { rows } = await db.pool.query<{ refunded_cents: string }>("SELECT refunded_cents::text FROM payments WHERE source = 'stripe' AND external_id = $1", [charge.id]);
    assert.deepEqual(rows, [{ refunded_cents: '300' }]);
    assert.deepEqual(await verifyRevenueRollup(db.pool), []);
  });

  it('a reconciliation of each source then finds nothing missing, extra or different', async () => {
    for (const source of ['stripe', 'hubspot'] as const) {
      const rec = await runReconciliation(deps, { source, trigger: 'test' });
      assert.equal(rec.status, 'done', rec.error ?? '');
      const r = rec.result!;
      assert.deepEqual([r.missing.count, r.extra.count, r.different.count], [0, 0, 0], `${source}: ${JSON.stringify(r)}`);
    }
  });
});
