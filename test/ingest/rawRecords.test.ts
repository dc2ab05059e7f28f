import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb, type TestDbFixture } from '../helpers/testResources.ts';
import { createNormalizers, NormalizeError, type Normalizer } from '../../src/connectors/index.ts';
import { runSync, INGEST_QUEUE, type IngestDeps, type IngestJobPayload } from '../../src/ingest/index.ts';
import { storeRawRecords, type RawRecordRow } from '../../src/ingest/rawRecords.ts';
import { listDeadLetters } from '../../src/queue/index.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import { CONTACTS, DEALS } from '../../src/connectors/hubspot/objects.ts';
import { quietIo } from '../helpers/cliIo.ts';
import { drainOutbox } from './fixtures/support.ts';
import { controlSim, startSandboxDeps } from './fixtures/sandboxDeps.ts';
import { dlqReplayCommand, renormalizeCommand } from '../../src/cli/index.ts';

interface RawDbRow { source: string; entity: string; external_id: string; payload: Record<string, unknown>; version: string | null; hash: string }

async function rawOf(db: TestDbFixture, source: string): Promise<Map<string, RawDbRow>> {
  const { rows } = await db.pool.query<RawDbRow>('SELECT * FROM raw_records WHERE source = $1', [source]);
  return new Map(rows.map((r) => [`${r.entity}:${r.external_id}`, r]));
}

async function getJson(url: string, token: string): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    if (res.ok) return res.json();
    if (attempt >= 5 || res.status < 500) throw new Error(`GET ${url}: HTTP ${res.status} ${await res.text()}`);
  }
}

describe('raw payloads kept: every unified row has its latest raw payload, and renormalize re-derives rows from it', () => {
  const db = useTestDb();
  let sandbox: Sandbox;
  let deps: IngestDeps;
  let sandboxOpen = true;
  before(async () => {
    ({ sandbox, deps } = await startSandboxDeps(db.pool, ['stripe', 'hubspot'], {
      env: {
        SANDBOX_STRIPE_RECORDS: '40', SANDBOX_STRIPE_SEED: '7', SANDBOX_STRIPE_POISON_RATE: '0',
        SANDBOX_HUBSPOT_RECORDS: '30', SANDBOX_HUBSPOT_SEED: '3', SANDBOX_HUBSPOT_POISON_RATE: '0', SANDBOX_HUBSPOT_ERROR_RATE: '0', SANDBOX_HUBSPOT_TIMEOUT_RATE: '0',
      },
    }));
    // A test closes it early; close it here only if it is still open.
    db.onClose(async () => {
      if (sandboxOpen) await sandbox.close();
    });
  });

  it('after syncs (backfill, then Stripe events), every unified row has its raw payload in the upstream\'s own shape', async () => {
    for (const source of ['stripe', 'hubspot'] as const) {
      const run = await runSync(deps, { source, mode: 'full' });
      assert.equal(run.status, 'success', run.error ?? '');
    }
    await drainOutbox(deps);
    await controlSim(sandbox, 'stripe', '/__sandbox/advance', { hours: 12 });
    const inc = await runSync(deps, { source: 'stripe', mode: 'incremental' });
    assert.ok(inc.recordsEnqueued > 0, 'events were read');
    await drainOutbox(deps);

    const stripeRaw = await rawOf(db, 'stripe');
    const payments = (await db.pool.query<{ external_id: string; kind: string; source_version: string }>("SELECT external_id, kind, source_version FROM payments WHERE source = 'stripe'")).rows;
    assert.ok(payments.length > 0);
    assert.equal(stripeRaw.size, payments.length, 'one raw record per row, none else (events are kept as their objects)');
    for (const p of payments) {
      const raw = stripeRaw.get(`${p.kind}:${p.external_id}`);
      assert.ok(raw, `raw payload of ${p.kind} ${p.external_id}`);
      assert.equal(raw.version, p.source_version, 'the raw payload holds the row\'s state');
      const answer = await getJson(`${sandbox.urls.stripe}/v1/${p.kind === 'charge' ? 'charges' : 'refunds'}/${p.external_id}`, deps.config.stripe.apiKey!);
      assert.deepEqual(raw.payload, answer, `${p.kind} ${p.external_id} is kept as Stripe answers it`);
    }
    assert.ok([...stripeRaw.values()].some((r) => r.version?.includes(':')), 'some raw payloads came from events');

    const hubspotRaw = await rawOf(db, 'hubspot');
    const tables = [[DEALS, 'payments'], [CONTACTS, 'contacts']] as const;
    let rows = 0;
    for (const [object, table] of tables) {
      const entity = object.entity;
      const stored = (await db.pool.query<{ external_id: string; source_version: string; deleted: boolean }>(`SELECT external_id, source_version, deleted_at IS NOT NULL AS deleted FROM ${table} WHERE source = 'hubspot'`)).rows;
      const properties = object.properties.join(',');
      rows += stored.length;
      for (const r of stored) {
        const raw = hubspotRaw.get(`${entity}:${r.external_id}`);
        assert.ok(raw, `raw payload of ${entity} ${r.external_id}`);
        assert.equal(raw.version, r.source_version);
        // An archived record (stored deleted) is read as HubSpot serves it: with archived=true.
        const answer = await getJson(`${sandbox.urls.hubspot}/crm/v3/objects/${object.path}/${r.external_id}?properties=${properties}${r.deleted ? '&archived=true' : ''}`, deps.config.hubspot.accessToken!);
        assert.deepEqual(raw.payload, answer, `${entity} ${r.external_id} is kept as HubSpot answers it`);
      }
    }
    assert.equal(hubspotRaw.size, rows);
  });

  it('renormalize after a normalizer change re-derives rows with no upstream call, and is idempotent', async () => {
    await sandbox.close();
    sandboxOpen = false;
    const own = createNormalizers(deps.config).hubspot;
    const changed: Normalizer = {
      source: 'hubspot',
      normalize: (entity, payload) => own.normalize(entity, payload).map((r) => (r.table === 'contacts' ? { ...r, row: { ...r.row, lifecycleStage: 'renormalized' } } : r)),
    };
    const before = (await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM contacts WHERE source = 'hubspot'")).rows[0]!.n;
    const deals = (await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM payments WHERE source = 'hubspot'")).rows[0]!.n;
    const versionsBefore = (await db.pool.query("SELECT external_id, source_version FROM contacts WHERE source = 'hubspot' ORDER BY external_id")).rows;

    const io = quietIo();
    const first = await renormalizeCommand(deps, { source: 'hubspot', normalizer: changed, batchSize: 7 }, io);
    assert.deepEqual(first, { source: 'hubspot', connectionId: 'hubspot-default', entity: null, records: before + deals, rows: before + deals, rowsChanged: before, failed: 0, deadLettered: 0 });
    assert.match(io.text(), /rowsChanged +\d+\n/);
    const stages = (await db.pool.query<{ lifecycle_stage: string }>("SELECT DISTINCT lifecycle_stage FROM contacts WHERE source = 'hubspot'")).rows;
    assert.deepEqual(stages, [{ lifecycle_stage: 'renormalized' }]);
    assert.deepEqual((await db.pool.query("SELECT external_id, source_version FROM contacts WHERE source = 'hubspot' ORDER BY external_id")).rows, versionsBefore, 'versions unchanged');

    const again = await renormalizeCommand(deps, { source: 'hubspot', normalizer: changed, batchSize: 7 }, quietIo());
    assert.equal(again.rowsChanged, 0, 'idempotent');

    const onlyContacts = await renormalizeCommand(deps, { source: 'hubspot', entity: 'contact' }, quietIo());
    assert.deepEqual([onlyContacts.records, onlyContacts.rowsChanged], [before, before], 'the real normalizer restores the contacts');

    // Stripe rows derived from events re-derive identically from their kept objects.
    const stripe = await renormalizeCommand(deps, { source: 'stripe' }, quietIo());
    assert.ok(stripe.records > 0);
    assert.deepEqual([stripe.rowsChanged, stripe.failed], [0, 0]);
  });

  it('a record the new normalizer rejects keeps its row and goes to the DLQ with its payload (once); replay after the fix stores it', async () => {
    const own = createNormalizers(deps.config).hubspot;
    const victim = (await db.pool.query<{ external_id: string; amount_cents: string }>("SELECT external_id, amount_cents FROM payments WHERE source = 'hubspot' ORDER BY external_id LIMIT 1")).rows[0]!;
    const rejecting: Normalizer = {
      source: 'hubspot',
      normalize(entity, payload) {
        if (entity === 'deal' && (payload as { id: string }).id === victim.external_id) throw new NormalizeError('deal rejected by the new normalizer');
        return own.normalize(entity, payload);
      },
    };
    const r = await renormalizeCommand(deps, { source: 'hubspot', entity: 'deal', normalizer: rejecting }, quietIo());
    assert.deepEqual([r.failed, r.deadLettered, r.rowsChanged], [1, 1, 0]);
    process.exitCode = 0;
    const again = await renormalizeCommand(deps, { source: 'hubspot', entity: 'deal', normalizer: rejecting }, quietIo());
    assert.deepEqual([again.failed, again.deadLettered], [1, 0], 'not dead-lettered twice');
    process.exitCode = 0;
    const row = (await db.pool.query<{ amount_cents: string }>("SELECT amount_cents FROM payments WHERE source = 'hubspot' AND external_id = $1", [victim.external_id])).rows[0];
    assert.equal(row?.amount_cents, victim.amount_cents, 'its row is left as it was');

    const dead = (await listDeadLetters(db.pool, { queue: INGEST_QUEUE, replayed: false })).items;
    assert.equal(dead.length, 1);
    const job = dead[0]!.payload as IngestJobPayload;
    const raw = (await rawOf(db, 'hubspot')).get(`deal:${victim.external_id}`)!;
    assert.deepEqual([job.source, job.entity, job.externalId, job.version, job.hash], ['hubspot', 'deal', victim.external_id, raw.version, raw.hash]);
    assert.deepEqual(job.payload, raw.payload, 'the dead letter keeps the raw payload');
    assert.equal(dead[0]!.reason, 'permanent');
    assert.match(dead[0]!.error.message, /rejected by the new normalizer/);

    // The fix is the processor's normalizer (the connector's own); the sandbox is gone, so the
    // replay works from the dead letter's payload alone.
    await db.pool.query("DELETE FROM payments WHERE source = 'hubspot' AND external_id = $1", [victim.external_id]);
    assert.deepEqual(await dlqReplayCommand(deps, dead[0]!.id, quietIo()), { replayed: 1 });
    const drained = await drainOutbox(deps);
    assert.deepEqual([drained.processed, drained.dead], [1, 0]);
    const back = (await db.pool.query<{ amount_cents: string; source_version: string }>("SELECT amount_cents, source_version FROM payments WHERE source = 'hubspot' AND external_id = $1", [victim.external_id])).rows[0];
    assert.deepEqual(back, { amount_cents: victim.amount_cents, source_version: raw.version });
    assert.equal((await listDeadLetters(db.pool, { queue: INGEST_QUEUE, replayed: false })).items.length, 0);
  });

  it('a stale raw write never replaces a newer one; equal versions re-apply; an unknown version never replaces a known one', async () => {
    const key = { source: 'hubspot', connectionId: 'hubspot-default', entity: 'contact', externalId: 'raw-1' };
    const at = (version: string | null, hash: string): RawRecordRow => ({ ...key, payload: { hash }, version, hash });
    const stored = async () => (await db.pool.query<{ version: string | null; hash: string }>("SELECT version, hash FROM raw_records WHERE source = 'hubspot' AND external_id = 'raw-1'")).rows[0];

    await storeRawRecords(db.pool, [at('0000000000000002', 'new')]);
    await storeRawRecords(db.pool, [at('0000000000000001', 'old')]);
    assert.deepEqual(await stored(), { version: '0000000000000002', hash: 'new' }, 'stale write ignored');
    await storeRawRecords(db.pool, [at(null, 'unknown')]);
    assert.deepEqual(await stored(), { version: '0000000000000002', hash: 'new' }, 'unknown version ignored');
    await storeRawRecords(db.pool, [at('0000000000000002', 'same-version')]);
    assert.deepEqual(await stored(), { version: '0000000000000002', hash: 'same-version' }, 'equal versions re-apply');
    // One batch carrying two states of the record keeps the newest, whatever their order.
    await storeRawRecords(db.pool, [at('0000000000000004', 'newest'), at('0000000000000003', 'older')]);
    assert.deepEqual(await stored(), { version: '0000000000000004', hash: 'newest' });
  });
});
