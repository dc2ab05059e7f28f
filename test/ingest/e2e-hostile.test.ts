import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb, type TestDbFixture } from '../helpers/testResources.ts';
import { listDeadLetters } from '../../src/queue/index.ts';
import { runSync, INGEST_QUEUE, type IngestDeps, type IngestJobPayload } from '../../src/ingest/index.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import type { HostileKind } from '../../src/sandbox/common/index.ts';
import type { StripeTruth } from '../../src/sandbox/stripe/index.ts';
import type { HubspotTruth } from '../../src/sandbox/hubspot/index.ts';
import { drainOutbox } from './fixtures/support.ts';
import { controlSim, startSandboxDeps, truthOf } from './fixtures/sandboxDeps.ts';

type HostileMap = Record<string, { field: string; kind: HostileKind }>;
const SANITIZED_KINDS: HostileKind[] = ['nul', 'lone_surrogate'];

async function deadIds(db: TestDbFixture, source: string): Promise<Map<string, string>> {
  const items = (await listDeadLetters(db.pool, { queue: INGEST_QUEUE, limit: 500 })).items;
  return new Map(items.filter((d) => (d.payload as IngestJobPayload).source === source).map((d) => [(d.payload as IngestJobPayload).externalId, d.error.message]));
}

describe('sync with hostile upstream content: every record stored or dead-lettered, cursor at the end', () => {
  const db = useTestDb();
  let sandbox: Sandbox;
  let deps: IngestDeps;
  before(async () => {
    ({ sandbox, deps } = await startSandboxDeps(db.pool, ['stripe', 'hubspot'], {
      env: {
        SANDBOX_STRIPE_RECORDS: '300', SANDBOX_STRIPE_SEED: '7', SANDBOX_STRIPE_HOSTILE_RATE: '0.05',
        SANDBOX_HUBSPOT_RECORDS: '300', SANDBOX_HUBSPOT_SEED: '7', SANDBOX_HUBSPOT_HOSTILE_RATE: '0.1',
      },
    }));
    db.closeLater(sandbox);
  });

  it('Stripe, SANDBOX_STRIPE_HOSTILE_RATE=0.05: full then incremental complete; every charge and refund stored, cursors stored', async () => {
    const run = await runSync(deps, { source: 'stripe', mode: 'full' });
    assert.equal(run.status, 'success', run.error ?? '');
    const truth = await truthOf<StripeTruth & { hostile: HostileMap }>(sandbox, 'stripe');
    const hostile = Object.entries(truth.hostile);
    assert.ok(hostile.length >= 5, `the seed serves hostile charges (${hostile.length})`);
    const sanitizedCharges = hostile.filter(([, h]) => SANITIZED_KINDS.includes(h.kind)).length;
    assert.ok(sanitizedCharges > 0 && run.recordsSanitized >= sanitizedCharges, `recordsSanitized ${run.recordsSanitized} ≥ ${sanitizedCharges}`);
    await drainOutbox(deps);

    await controlSim(sandbox, 'stripe', '/__sandbox/advance', { hours: 6 });
    const inc = await runSync(deps, { source: 'stripe', mode: 'incremental' });
    assert.equal(inc.status, 'success', inc.error ?? '');
    assert.ok(inc.recordsFetched > 0);
    await drainOutbox(deps);

    const after = await truthOf<StripeTruth & { hostile: HostileMap }>(sandbox, 'stripe');
    const dead = await deadIds(db, 'stripe');
    const { rows } = await db.pool.query<{ external_id: string }>("SELECT external_id FROM payments WHERE source = 'stripe'");
    const stored = new Set(rows.map((r) => r.external_id));
    // The connector reads no customer-typed Stripe field: every record is stored, none dead-lettered.
    for (const c of after.charges) assert.ok(stored.has(c.id), `charge ${c.id} stored (hostile: ${JSON.stringify(after.hostile[c.id] ?? null)})`);
    for (const r of after.refunds) assert.ok(stored.has(r.id), `refund ${r.id} stored`);
    assert.equal(dead.size, 0, [...dead.values()].join('\n'));
    const cursors = await db.pool.query<{ entity: string; cursor: string | null }>("SELECT entity, cursor FROM sync_cursors WHERE source = 'stripe'");
    assert.ok(cursors.rows.length > 0 && cursors.rows.every((c) => c.cursor !== null), JSON.stringify(cursors.rows));
    assert.deepEqual(Object.fromEntries(cursors.rows.map((c) => [c.entity, c.cursor])), inc.cursorAfter, 'the run ended at the stored cursors');
  });

  it('HubSpot, SANDBOX_HUBSPOT_HOSTILE_RATE=0.1: contacts stored with U+FFFD or dead-lettered naming the field; deals all stored', async () => {
    const run = await runSync(deps, { source: 'hubspot', mode: 'full' });
    const truth = await truthOf<HubspotTruth & { hostile: HostileMap }>(sandbox, 'hubspot');
    await drainOutbox(deps);
    const dead = await deadIds(db, 'hubspot');
    const contacts = new Map((await db.pool.query("SELECT external_id, first_name, last_name, company FROM contacts WHERE source = 'hubspot'")).rows.map((r) => [r.external_id, r]));
    const deals = new Set((await db.pool.query<{ external_id: string }>("SELECT external_id FROM payments WHERE source = 'hubspot'")).rows.map((r) => r.external_id));
    const column: Record<string, string> = { 'properties.firstname': 'first_name', 'properties.lastname': 'last_name', 'properties.company': 'company' };
    let sanitized = 0;
    let typed = 0;
    for (const c of truth.contacts.filter((x) => !x.archived && !x.poison)) {
      const h = truth.hostile[`contacts:${c.id}`];
      if (h && (h.kind === 'number' || h.kind === 'object')) {
        typed++;
        assert.match(dead.get(c.id) ?? '', new RegExp(h.field.split('.')[1]!), `contact ${c.id}: dead-lettered naming ${h.field}`);
        continue;
      }
      const row = contacts.get(c.id);
      assert.ok(row, `contact ${c.id} stored (hostile: ${JSON.stringify(h ?? null)})`);
      if (h) {
        const value = row[column[h.field]!] as string;
        if (SANITIZED_KINDS.includes(h.kind)) {
          sanitized++;
          assert.ok(value.includes('\uFFFD') && !value.includes('\u0000'), `${c.id} ${h.field}: ${JSON.stringify(value)}`);
        } else {
          assert.ok(value.length > 0 && !value.includes('\uFFFD'), `${c.id} ${h.field} stored as served`);
        }
      }
    }
    for (const d of truth.deals.filter((x) => !x.archived && !x.poison)) assert.ok(deals.has(d.id), `deal ${d.id} stored`);
    assert.ok(sanitized > 0 && typed > 0, `the seed exercises both outcomes (sanitized ${sanitized}, wrong type ${typed})`);
    assert.equal(run.status, 'partial', 'wrong-typed records make the run partial');
    assert.ok(run.recordsSanitized >= sanitized);
    const cursors = await db.pool.query<{ cursor: string | null }>("SELECT cursor FROM sync_cursors WHERE source = 'hubspot'");
    assert.ok(cursors.rows.length > 0 && cursors.rows.every((c) => c.cursor !== null));
  });
});
