import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { useTestDb, type TestDbFixture } from '../helpers/testResources.ts';
import { stripeEventVersion, stripeReadVersion } from '../../src/connectors/index.ts';
import { createIngestProcessor, hashContent, type IngestJobPayload } from '../../src/ingest/index.ts';
import { verifyRevenueRollup } from '../../src/revenue/index.ts';
import { charge, createStripeDouble, deliverWebhook, event, retryJobs, writeSyncPage, type StripeDouble } from './fixtures/stripeDouble.ts';
import { drainOutbox, testDeps } from './fixtures/support.ts';

const S0 = Date.parse('2026-03-02T12:00:00.000Z') / 1000;
const STEP_S = 3;

// State k of charge r: k × 100 of 1000 refunded, at second S0 + STEP_S·k (distinct content).
const stateOf = (r: number, k: number) => charge(`ch_${r}`, 1000, k * 100, S0 - 3600);

type Path = 'backfill' | 'incremental' | 'webhook' | 'retry';
interface Delivery { record: number; state: number; path: Path; copies: number; readOffsetMs: number }

const deliveryArb = fc.record({
  record: fc.integer({ min: 0, max: 2 }),
  state: fc.integer({ min: 0, max: 5 }),
  path: fc.constantFrom<Path>('backfill', 'incremental', 'webhook', 'retry'),
  copies: fc.integer({ min: 1, max: 2 }),
  // A read of state k happens in the seconds after k's event and before k + 1's.
  readOffsetMs: fc.integer({ min: 1000, max: STEP_S * 1000 - 1 }),
});

const scenario = fc.record({
  deliveries: fc.array(deliveryArb, { minLength: 1, maxLength: 14 }),
  processors: fc.integer({ min: 1, max: 3 }),
  batchSize: fc.integer({ min: 1, max: 4 }),
});

// The raw record of one delivery: a listed charge (read version) or an event (created + id).
function recordOf(d: Delivery): { entity: 'charge' | 'event'; externalId: string; payload: unknown; version: string | null } {
  const createdS = S0 + STEP_S * d.state;
  if (d.path === 'backfill' || (d.path === 'retry' && d.readOffsetMs % 2 === 0)) {
    return { entity: 'charge', externalId: `ch_${d.record}`, payload: stateOf(d.record, d.state), version: stripeReadVersion(createdS * 1000 + d.readOffsetMs) };
  }
  const e = event(`evt_${d.record}_${d.state}`, 'charge.updated', createdS, stateOf(d.record, d.state));
  return { entity: 'event', externalId: e.id, payload: e, version: stripeEventVersion(e.created, e.id) };
}

async function deliver(db: TestDbFixture, up: StripeDouble, d: Delivery): Promise<void> {
  const r = recordOf(d);
  for (let i = 0; i < d.copies; i++) {
    if (d.path === 'webhook') await deliverWebhook(db.pool, r.payload as Parameters<typeof deliverWebhook>[1]);
    else if (d.path === 'retry') {
      const job: IngestJobPayload = { source: 'stripe', entity: r.entity, externalId: r.externalId, payload: r.payload, hash: hashContent(r.payload), version: r.version, runId: null };
      await retryJobs(db.pool, [job]);
    } else await writeSyncPage(db.pool, up.connector, { records: [r], cursorAfter: null });
  }
}

describe('versions never regress: random interleavings (property, real PostgreSQL)', () => {
  const db = useTestDb({ poolMax: 12 });

  it('backfill, incremental, webhook and retried deliveries, processed by concurrent batches, leave every row at its newest delivered version', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ deliveries, processors, batchSize }) => {
        await db.pool.query('TRUNCATE payments, sync_cursors, sync_runs, sync_run_tallies, ingest_record_hashes, webhook_events, jobs, dead_letters');
        const up = createStripeDouble(S0 * 1000);
        const deps = testDeps(db.pool, [up.connector]);
        const workers = Array.from({ length: processors }, () => createIngestProcessor(deps, { batchSize }));
        let producing = true;
        // Processors drain concurrently with the deliveries, then until the outbox is empty.
        const processing = workers.map(async (w) => {
          for (;;) {
            const r = await w.runOnce();
            if (r.claimed === 0 && !producing) return;
            if (r.claimed === 0) await new Promise((res) => setTimeout(res, 1));
          }
        });
        try {
          for (const d of deliveries) await deliver(db, up, d);
        } finally {
          producing = false;
          await Promise.all(processing);
        }
        await drainOutbox(deps);

        const newest = new Map<number, number>();
        for (const d of deliveries) newest.set(d.record, Math.max(newest.get(d.record) ?? -1, d.state));
        const { rows } = await db.pool.query<{ external_id: string; refunded_cents: string }>("SELECT external_id, refunded_cents FROM payments WHERE source = 'stripe' ORDER BY external_id");
        assert.deepEqual(
          rows.map((r) => [r.external_id, r.refunded_cents]),
          [...newest.entries()].sort(([a], [b]) => a - b).map(([r, k]) => [`ch_${r}`, String(k * 100)]),
          'stored row == newest delivered version of every record',
        );
        assert.deepEqual(await verifyRevenueRollup(db.pool), []);
      }),
      { numRuns: 40 },
    );
  });
});
