/**
 * Fair claims across connections in the ingest outbox: a connection's big backlog, enqueued
 * first by the producer, does not hold back the fresh records another connection enqueues after
 * it. Counted in processor batches (behaviour, not timing): oldest first, the small connection's
 * records would wait behind all 100 batches of the backlog.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CalendarEventRow, Connector, PaymentRow, RawRecord } from '../../src/connectors/index.ts';
import { withTransaction } from '../../src/db/index.ts';
import { createIngestProcessor, insertRun, newRunProgress, writePage, type IngestDeps } from '../../src/ingest/index.ts';
import { newCallStats } from '../../src/resilience/index.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { testDeps } from './fixtures/support.ts';

const BACKLOG = 50_000;
const SMALL = 100;
const PAGE = 5_000;

// Pass-through normalizers (payload = the unified row): the test is about the queue, not parsing.
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

const payment = (i: number): RawRecord => {
  const row: PaymentRow = {
    source: 'stripe', externalId: `ch_${i}`, kind: 'charge', status: 'COLLECTED', rawStatus: 'succeeded', amountCents: '1500', refundedCents: '0',
    currency: 'USD', occurredAt: '2026-01-01T10:00:00.000Z', customerRef: 'cus_1', parentExternalId: null, sourceUpdatedAt: '2026-01-01T10:00:00.000Z',
  };
  return { entity: 'payment', externalId: row.externalId, payload: row };
};

const event = (i: number): RawRecord => {
  const row: CalendarEventRow = {
    source: 'gcal', externalId: `ev_${i}`, calendarId: 'primary', status: 'confirmed', summary: `meeting ${i}`, startsAt: '2026-01-02T10:00:00.000Z',
    endsAt: '2026-01-02T11:00:00.000Z', allDay: false, sourceUpdatedAt: '2026-01-01T10:00:00.000Z',
  };
  return { entity: 'event', externalId: row.externalId, payload: row };
};

describe('ingest outbox: fair across connections', () => {
  const db = useTestDb();
  let deps: IngestDeps;
  before(async () => {
    deps = testDeps(db.pool, [passThrough('stripe'), passThrough('gcal')]);
  });

  // The producer's own page writer, as a sync run writes them.
  async function produce(connector: Connector, entity: string, records: RawRecord[]): Promise<void> {
    const scope = { source: connector.source, connectionId: `${connector.source}-default` };
    const runId = await insertRun(db.pool, { ...scope, entity, mode: 'full', status: 'running', trigger: 'test' });
    let progress = newRunProgress(newCallStats());
    for (let i = 0; i < records.length; i += PAGE) {
      const page = { records: records.slice(i, i + PAGE), cursorAfter: null };
      progress = await withTransaction(db.pool, (tx) => writePage(tx, { connector, scope, runId, streamEntity: entity, page, progress }));
    }
  }

  it("a 50,000-record backlog enqueued first does not hold back another connection's 100 fresh records", { timeout: 120_000 }, async () => {
    const [stripe, gcal] = [deps.connectors.stripe!, deps.connectors.gcal!];
    await produce(stripe, 'payment', Array.from({ length: BACKLOG }, (_, i) => payment(i)));
    await produce(gcal, 'event', Array.from({ length: SMALL }, (_, i) => event(i)));
    const { rows: queued } = await db.pool.query<{ group_key: string; n: number }>("SELECT group_key, count(*)::int AS n FROM jobs WHERE queue = 'ingest' GROUP BY 1 ORDER BY 1");
    assert.deepEqual(queued, [{ group_key: 'gcal-default', n: SMALL }, { group_key: 'stripe-default', n: BACKLOG }], 'the producer groups jobs by connection');

    const processor = createIngestProcessor(deps, { batchSize: 500 });
    const count = async (table: string) => (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]?.n ?? 0;
    let batches = 0;
    while ((await count('calendar_events')) < SMALL && batches < 10) {
      const r = await processor.runOnce();
      assert.equal(r.claimed, 500, 'full batches: the slots the small connection leaves go to the backlog');
      batches++;
    }
    assert.equal(await count('calendar_events'), SMALL, 'every record of the small connection stored');
    assert.ok(batches <= 2, `the small connection was done after ${batches} batch(es) of 500 (oldest first: ${Math.ceil((BACKLOG + SMALL) / 500)})`);
    assert.equal(await count('payments'), batches * 500 - SMALL, 'the backlog kept every slot the small connection did not need');
  });
});
