import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb, type TestDbFixture } from '../helpers/testResources.ts';
import { listDeadLetters } from '../../src/queue/index.ts';
import { runSync, INGEST_QUEUE, type IngestDeps, type IngestJobPayload } from '../../src/ingest/index.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import type { StripeTruth } from '../../src/sandbox/stripe/index.ts';
import { drainOutbox } from './fixtures/support.ts';
import { controlSim, startSandboxDeps, truthOf } from './fixtures/sandboxDeps.ts';

interface PaymentDbRow { external_id: string; kind: string; amount_cents: string; refunded_cents: string; currency: string; parent_external_id: string | null }

async function assertPaymentsMatchTruth(db: TestDbFixture, sandbox: Sandbox): Promise<StripeTruth> {
  const truth = await truthOf<StripeTruth>(sandbox, 'stripe');
  const { rows } = await db.pool.query<PaymentDbRow>("SELECT external_id, kind, amount_cents, refunded_cents, currency, parent_external_id FROM payments WHERE source = 'stripe'");
  const stored = new Map(rows.map((r) => [r.external_id, r]));
  assert.equal(rows.length, stored.size);
  const good = truth.charges.filter((c) => !c.poison);
  for (const c of good) {
    const row = stored.get(c.id);
    assert.ok(row, `charge ${c.id} stored`);
    assert.deepEqual([row.kind, row.amount_cents, row.refunded_cents, row.currency], ['charge', String(c.amount), String(c.amount_refunded), c.currency.toUpperCase()], `charge ${c.id}`);
  }
  for (const r of truth.refunds) {
    const row = stored.get(r.id);
    assert.ok(row, `refund ${r.id} stored`);
    assert.deepEqual([row.kind, row.amount_cents, row.parent_external_id], ['refund', String(r.amount), r.charge]);
  }
  assert.equal(rows.length, good.length + truth.refunds.length, 'nothing else stored');
  return truth;
}

describe('ingest end to end: Stripe simulator → connector → outbox → payments', () => {
  const db = useTestDb();
  let sandbox: Sandbox;
  let deps: IngestDeps;
  before(async () => {
    ({ sandbox, deps } = await startSandboxDeps(db.pool, ['stripe'], { env: { SANDBOX_STRIPE_RECORDS: '150', SANDBOX_STRIPE_SEED: '42', SANDBOX_STRIPE_POISON_RATE: '0.03' } }));
    db.closeLater(sandbox);
  });

  it('full sync: every good upstream charge and refund is stored exactly once; poison records are in the DLQ with error and payload', async () => {
    const run = await runSync(deps, { source: 'stripe', mode: 'full' });
    assert.equal(run.status, 'partial', run.error ?? '');
    await drainOutbox(deps);
    const truth = await assertPaymentsMatchTruth(db, sandbox);
    const poison = truth.charges.filter((c) => c.poison).map((c) => c.id).sort();
    assert.ok(poison.length > 0, 'the seed has poison charges');
    const dead = (await listDeadLetters(db.pool, { queue: INGEST_QUEUE, limit: 500 })).items;
    assert.deepEqual(dead.map((d) => (d.payload as IngestJobPayload).externalId).sort(), poison);
    for (const d of dead) {
      assert.equal(d.reason, 'permanent');
      assert.ok(d.error.message.length > 0);
      assert.ok((d.payload as IngestJobPayload).payload, 'raw payload kept');
    }
    assert.equal(run.recordsInvalid, poison.length);
  });

  it('incremental after upstream activity (new charges, late refunds) stores exactly the new truth', async () => {
    await controlSim(sandbox, 'stripe', '/__sandbox/advance', { hours: 12 });
    const run = await runSync(deps, { source: 'stripe', mode: 'incremental' });
    assert.ok(run.status === 'success' || run.status === 'partial', run.error ?? '');
    assert.ok(run.recordsFetched > 0, 'events were read');
    await drainOutbox(deps);
    await assertPaymentsMatchTruth(db, sandbox);
    const again = await runSync(deps, { source: 'stripe', mode: 'incremental' });
    assert.equal(again.recordsEnqueued, 0, 'a re-read overlap is deduped by content hash');
  });
});
