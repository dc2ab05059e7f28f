import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { useTestDb } from '../helpers/testResources.ts';
import { timeVersion, type CalendarEventRow, type Connector, type PaymentRow } from '../../src/connectors/index.ts';
import { enqueueMany, listDeadLetters, replayDeadLetter } from '../../src/queue/index.ts';
import { getRun, hashContent, runSync, INGEST_QUEUE, type IngestJobPayload } from '../../src/ingest/index.ts';
import { createFakeConnector, createFakeUpstream } from './fixtures/fakeUpstream.ts';
import { drainOutbox, rowsById, testDeps } from './fixtures/support.ts';

// Raw records given straight to the outbox: payments and calendar events normalized by a
// pass-through connector (payload = the unified row), to exercise the upsert rules.
function passThrough(source: 'stripe' | 'gcal'): Connector {
  return {
    source,
    streams: [],
    normalize(entity, payload) {
      if (entity === 'payment') return [{ table: 'payments', row: payload as PaymentRow }];
      if (entity === 'event') return [{ table: 'calendar_events', row: payload as CalendarEventRow }];
      throw new Error(`unknown entity ${entity}`);
    },
  };
}

function job(source: 'stripe' | 'gcal', entity: string, externalId: string, payload: unknown): { payload: IngestJobPayload } {
  return { payload: { source, entity, externalId, payload, hash: hashContent(payload), runId: null } };
}

const charge = (status: 'PENDING' | 'COLLECTED' | 'REFUNDED', refunded: string, sourceUpdatedAt: string): PaymentRow => ({
  source: 'stripe', externalId: 'ch_1', kind: 'charge', status, rawStatus: status.toLowerCase(), amountCents: '1500', refundedCents: refunded,
  currency: 'USD', occurredAt: '2026-01-01T10:00:00.000Z', customerRef: 'cus_1', parentExternalId: null, sourceUpdatedAt,
});

describe('ingest processor', () => {
  const db = useTestDb();
  beforeEach(async () => {
    await db.pool.query('TRUNCATE contacts, payments, calendar_events, sync_cursors, sync_runs, sync_run_tallies, ingest_record_hashes, jobs, dead_letters');
  });

  it('poison records go to the DLQ at once with the exact error and raw payload; the rest are stored; replay after a fix stores them', async () => {
    const up = createFakeUpstream(30, { pageSize: 10 });
    for (const id of ['c0003', 'c0017']) up.put({ ...up.truth.get(id)!, email: 12345 }); // not an e-mail: ZodError
    const connector = createFakeConnector(up);
    const deps = testDeps(db.pool, [connector]);
    const run = await runSync(deps, { source: 'hubspot', mode: 'full' });
    assert.equal(run.status, 'partial', 'records failing normalization make the run partial');
    assert.equal(run.recordsInvalid, 2);
    const drained = await drainOutbox(deps);
    assert.equal(drained.dead, 2);
    assert.equal(drained.failed, 0, 'deterministic failures are not retried');

    const stored = await rowsById(db.pool, 'contacts');
    assert.equal(stored.size, 28, 'every good record stored');
    assert.ok(!stored.has('c0003') && !stored.has('c0017'));
    const dead = (await listDeadLetters(db.pool, { queue: INGEST_QUEUE })).items;
    assert.equal(dead.length, 2);
    for (const d of dead) {
      assert.equal(d.reason, 'permanent');
      assert.equal(d.attempts, 1);
      assert.equal(d.error.name, 'ZodError');
      assert.match(d.error.message, /email/);
      const p = d.payload as IngestJobPayload;
      assert.deepEqual((p.payload as { email: unknown }).email, 12345, 'the raw payload is kept');
      assert.equal(p.runId, run.runId);
    }
    const report = await getRun(db.pool, run.runId);
    assert.deepEqual({ upserted: report?.recordsUpserted, failed: report?.recordsFailed }, { upserted: 28, failed: 2 });

    // The fix: the normalizer learns to read numeric e-mails (a new release); replay stores them.
    const fixed: Connector = {
      ...connector,
      normalize: (entity, payload) => connector.normalize(entity, { ...(payload as object), email: `fixed-${String((payload as { email: unknown }).email)}@example.com` }),
    };
    const fixedDeps = testDeps(db.pool, [fixed]);
    for (const d of dead) assert.equal((await replayDeadLetter(db.pool, d.id)).replayed, true);
    assert.equal((await replayDeadLetter(db.pool, dead[0]!.id)).replayed, false, 'replay is idempotent');
    await drainOutbox(fixedDeps);
    const after = await rowsById<{ external_id: string; email: string }>(db.pool, 'contacts');
    assert.equal(after.size, 30);
    assert.equal(after.get('c0003')?.email, 'fixed-12345@example.com');
    const final = await getRun(db.pool, run.runId);
    assert.deepEqual({ upserted: final?.recordsUpserted, failed: final?.recordsFailed }, { upserted: 30, failed: 0 });
  });

  it('transient failures are retried by the queue and reach the DLQ after 5 attempts; the other jobs are not held back', async () => {
    await enqueueMany(db.pool, INGEST_QUEUE, [job('stripe', 'payment', 'ch_1', charge('COLLECTED', '0', '2026-01-01T10:00:00.000Z'))]);
    await drainOutbox(testDeps(db.pool, [passThrough('stripe')]));
    // A row lock held by another session + a 50 ms lock_timeout on the processor's connections:
    // a real, transient database failure (55P03) on every attempt for ch_1.
    const impatient = new pg.Pool({ connectionString: db.url, options: '-c lock_timeout=50', max: 4 });
    const locker = await db.pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query("SELECT * FROM payments WHERE external_id = 'ch_1' FOR UPDATE");
      const deps = testDeps(impatient, [passThrough('stripe')]);
      const other = { ...charge('COLLECTED', '900', '2026-01-01T10:00:00.000Z'), externalId: 'ch_2' };
      await enqueueMany(db.pool, INGEST_QUEUE, [job('stripe', 'payment', 'ch_1', charge('REFUNDED', '1500', '2026-01-02T10:00:00.000Z')), job('stripe', 'payment', 'ch_2', other)]);
      const attempts: number[] = [];
      for (let attempt = 1; attempt <= 5; attempt++) {
        await db.pool.query('UPDATE jobs SET run_at = now() WHERE queue = $1', [INGEST_QUEUE]); // skip the backoff wait
        const r = await drainOutbox(deps);
        attempts.push(r.failed + r.dead);
      }
      assert.deepEqual(attempts, [1, 1, 1, 1, 1], 'one failed attempt per round');
      const dead = (await listDeadLetters(db.pool, { queue: INGEST_QUEUE })).items;
      assert.equal(dead.length, 1);
      assert.equal(dead[0]?.reason, 'exhausted');
      assert.equal(dead[0]?.attempts, 5);
      assert.match(dead[0]?.error.message ?? '', /lock timeout/);
      const stored = await rowsById<{ external_id: string; refunded_cents: string }>(db.pool, 'payments');
      assert.equal(stored.get('ch_2')?.refunded_cents, '900', 'the good job in the same batch was stored');
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
      await impatient.end();
    }
  });

  it('out-of-order updates do not regress a row: an older version processed after a newer one is ignored', async () => {
    const deps = testDeps(db.pool, [passThrough('stripe')]);
    await enqueueMany(db.pool, INGEST_QUEUE, [job('stripe', 'payment', 'ch_1', charge('REFUNDED', '1500', '2026-01-03T00:00:00.000Z'))]);
    await drainOutbox(deps);
    await enqueueMany(db.pool, INGEST_QUEUE, [job('stripe', 'payment', 'ch_1', charge('COLLECTED', '0', '2026-01-02T00:00:00.000Z'))]);
    await drainOutbox(deps);
    const row = (await rowsById<{ external_id: string; status: string; refunded_cents: string }>(db.pool, 'payments')).get('ch_1');
    assert.equal(row?.status, 'REFUNDED');
    assert.equal(row?.refunded_cents, '1500');
    // Both versions in one batch: the newest wins whatever the order.
    await db.pool.query('TRUNCATE payments');
    await enqueueMany(db.pool, INGEST_QUEUE, [
      job('stripe', 'payment', 'ch_1', charge('REFUNDED', '1500', '2026-01-03T00:00:00.000Z')),
      job('stripe', 'payment', 'ch_1', charge('PENDING', '0', '2026-01-01T00:00:00.000Z')),
    ]);
    await drainOutbox(deps);
    const again = (await rowsById<{ external_id: string; status: string }>(db.pool, 'payments')).get('ch_1');
    assert.equal(again?.status, 'REFUNDED');
  });

  it('a cancelled calendar event carrying only its id keeps the stored fields and becomes cancelled', async () => {
    const deps = testDeps(db.pool, [passThrough('gcal')]);
    const live: CalendarEventRow = { source: 'gcal', externalId: 'ev1', calendarId: 'primary', status: 'confirmed', summary: 'Standup', startsAt: '2026-01-05T09:00:00.000Z', endsAt: '2026-01-05T09:15:00.000Z', allDay: false, sourceUpdatedAt: '2026-01-01T00:00:00.000Z' };
    // Google sends a deletion without `updated`: the connector versions it with the time of the read.
    const cancelled: CalendarEventRow = { source: 'gcal', externalId: 'ev1', calendarId: 'primary', status: 'cancelled', summary: null, startsAt: null, endsAt: null, allDay: null, sourceUpdatedAt: null, sourceVersion: timeVersion('2026-01-02T00:00:00.000Z') };
    await enqueueMany(db.pool, INGEST_QUEUE, [job('gcal', 'event', 'ev1', live)]);
    await drainOutbox(deps);
    await enqueueMany(db.pool, INGEST_QUEUE, [job('gcal', 'event', 'ev1', cancelled)]);
    await drainOutbox(deps);
    const row = (await rowsById<{ external_id: string; status: string; summary: string; starts_at: Date; all_day: boolean }>(db.pool, 'calendar_events')).get('ev1');
    assert.equal(row?.status, 'cancelled');
    assert.equal(row?.summary, 'Standup');
    assert.equal(row?.starts_at.toISOString(), '2026-01-05T09:00:00.000Z');
    assert.equal(row?.all_day, false);
  });

  it('an identical row is not rewritten (updated_at moves only when data changed)', async () => {
    const deps = testDeps(db.pool, [passThrough('stripe')]);
    const c = charge('COLLECTED', '0', '2026-01-01T10:00:00.000Z');
    await enqueueMany(db.pool, INGEST_QUEUE, [job('stripe', 'payment', 'ch_1', c)]);
    await drainOutbox(deps);
    const before = (await db.pool.query<{ u: Date; x: string }>("SELECT updated_at AS u, xmin::text AS x FROM payments WHERE external_id = 'ch_1'")).rows[0];
    await enqueueMany(db.pool, INGEST_QUEUE, [job('stripe', 'payment', 'ch_1', c)]);
    await drainOutbox(deps);
    const afterRow = (await db.pool.query<{ u: Date; x: string }>("SELECT updated_at AS u, xmin::text AS x FROM payments WHERE external_id = 'ch_1'")).rows[0];
    assert.deepEqual(afterRow, before);
  });
});
