/**
 * Upgrading to the change feed (migration 1021): rows stored before it get one change each —
 * ADDED, or DELETED for a row already deleted upstream — carrying the data endpoint's row, so an
 * upgraded install's feed is complete from its beginning; writes after it go through the
 * triggers; the down migration removes it all.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readChanges } from '../../src/changes/index.ts';
import { migrate } from '../../src/db/index.ts';
import { emptyBatch, upsertUnified } from '../../src/ingest/upsertUnified.ts';
import { databaseBefore, type DatabaseBefore } from '../helpers/databaseBefore.ts';
import { waitFor } from '../helpers/waitFor.ts';

const MIGRATION = '1021_changes';

const payment = (externalId: string, amountCents: string) => ({
  source: 'stripe' as const, connectionId: 'stripe-default', externalId, kind: 'charge' as const, status: 'COLLECTED' as const, rawStatus: 'succeeded', amountCents, refundedCents: '0',
  currency: 'USD', occurredAt: '2026-01-01T00:00:00.000Z', customerRef: null, parentExternalId: null, sourceUpdatedAt: null, deleted: false, deletedAt: null, sourceVersion: `v${amountCents.padStart(6, '0')}`,
});
const contact = { source: 'hubspot' as const, connectionId: 'hubspot-default', externalId: 'c_1', email: 'a@example.com', firstName: 'A', lastName: null, phone: null, company: null, lifecycleStage: null, sourceUpdatedAt: null, deleted: true, deletedAt: '2026-02-01T00:00:00.000Z', sourceVersion: 'v1' };

describe(`migration ${MIGRATION}`, () => {
  let db: DatabaseBefore;
  before(async () => {
    db = await databaseBefore(MIGRATION);
  });
  after(async () => {
    await db?.drop();
  });

  it('backfills one change per existing row, then the triggers take over; down removes the feed', async () => {
    await upsertUnified(db.pool, { ...emptyBatch(), payments: [payment('ch_1', '100'), payment('ch_2', '200')], contacts: [contact] });
    const applied = await migrate(db.url);
    assert.equal(applied[0], MIGRATION);

    // The horizon is the cluster's: another test file's open transaction can hold it back a moment.
    const settled = async (q: Parameters<typeof readChanges>[1], n: number) => waitFor(`${n} ${q.table} changes`, async () => {
      const p = await readChanges(db.pool, q);
      return p.changes.length >= n ? p : null;
    });
    const payments = await settled({ table: 'payments', limit: 100 }, 2);
    assert.deepEqual(payments.changes.map((c) => [c.action, c.record.externalId, c.record.amountCents]), [['ADDED', 'ch_1', '100'], ['ADDED', 'ch_2', '200']]);
    const row = (await db.pool.query<{ created_at: Date }>("SELECT created_at FROM payments WHERE external_id = 'ch_1'")).rows[0]!;
    assert.equal(payments.changes[0]!.record.createdAt, row.created_at.toISOString(), 'the record is the stored row');
    const contacts = await settled({ table: 'contacts', limit: 100 }, 1);
    assert.deepEqual(contacts.changes.map((c) => [c.action, c.record.externalId, c.record.deletedAt]), [['DELETED', 'c_1', '2026-02-01T00:00:00.000Z']]);

    await upsertUnified(db.pool, { ...emptyBatch(), payments: [payment('ch_1', '150')] });
    const next = await settled({ table: 'payments', limit: 100, after: payments.nextCursor }, 1);
    assert.deepEqual(next.changes.map((c) => [c.action, c.record.externalId, c.record.amountCents]), [['UPDATED', 'ch_1', '150']]);

    await db.down(applied.length);
    const left = await db.pool.query("SELECT 1 FROM information_schema.columns WHERE column_name = 'change_pos' UNION ALL SELECT 1 FROM pg_tables WHERE tablename IN ('changes', 'changes_pruned')");
    assert.equal(left.rows.length, 0, 'no column or table of the feed is left');
    await upsertUnified(db.pool, { ...emptyBatch(), payments: [payment('ch_1', '175')] });
  });
});
