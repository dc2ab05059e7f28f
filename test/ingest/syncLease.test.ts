import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb, type TestDbFixture } from '../helpers/testResources.ts';
import { LeaseLostError, tryAcquireSyncLease } from '../../src/ingest/index.ts';
import { waitFor } from '../helpers/waitFor.ts';

// Stands in for "the holder's process stopped heartbeating long enough": the lease is past its expiry.
async function expireLeases(db: TestDbFixture, connectionId: string): Promise<void> {
  await db.pool.query("UPDATE sync_leases SET expires_at = now() - interval '1 second' WHERE connection_id = $1", [connectionId]);
}

describe('sync lease rows', () => {
  const db = useTestDb();
  before(async () => {
    await db.pool.query('CREATE TABLE lease_probe (v int)');
  });

  it('is taken all-or-none: a run needing one held stream takes none of its streams', async () => {
    const first = await tryAcquireSyncLease(db.pool, { connectionId: 'c1', entities: ['a'], ttlMs: 60_000 });
    assert.ok(first);
    const second = await tryAcquireSyncLease(db.pool, { connectionId: 'c1', entities: ['a', 'b'], ttlMs: 60_000 });
    assert.equal(second, null);
    const rows = await db.pool.query<{ entity: string }>("SELECT entity FROM sync_leases WHERE connection_id = 'c1'");
    assert.deepEqual(rows.rows.map((r) => r.entity), ['a'], "'b' was not left taken");
    const other = await tryAcquireSyncLease(db.pool, { connectionId: 'c2', entities: ['a'], ttlMs: 60_000 });
    assert.ok(other, 'another connection is independent');
    await first.release();
    await other.release();
    assert.equal((await db.pool.query('SELECT 1 FROM sync_leases')).rowCount, 0, 'release deletes the rows');
  });

  it('a run whose expired lease was taken over cannot commit a page; its release leaves the new holder alone', async () => {
    let lost = null as Error | null;
    const stale = await tryAcquireSyncLease(db.pool, { connectionId: 'c3', entities: ['a', 'b'], ttlMs: 60_000, onLost: (err) => (lost = err) });
    assert.ok(stale);
    await stale.transaction((tx) => tx.query('INSERT INTO lease_probe VALUES (1)'));
    await expireLeases(db, 'c3');
    const next = await tryAcquireSyncLease(db.pool, { connectionId: 'c3', entities: ['a'], ttlMs: 60_000 });
    assert.ok(next, 'an expired lease is taken over');

    await assert.rejects(stale.transaction((tx) => tx.query('INSERT INTO lease_probe VALUES (2)')), LeaseLostError);
    const probe = await db.pool.query<{ v: number }>('SELECT v FROM lease_probe ORDER BY v');
    assert.deepEqual(probe.rows.map((r) => r.v), [1], 'the fenced page rolled back');

    await stale.release();
    assert.equal((await db.pool.query("SELECT 1 FROM sync_leases WHERE connection_id = 'c3' AND entity = 'a'")).rowCount, 1, "the stale run's release leaves the new holder's row");
    await next.release();
    assert.equal(lost, null, 'released before any heartbeat saw the loss');
  });

  it('the heartbeat keeps a waiting run alive and calls onLost once the lease is taken over', async () => {
    let lost = null as Error | null;
    const lease = await tryAcquireSyncLease(db.pool, { connectionId: 'c4', entities: ['a'], ttlMs: 1000, onLost: (err) => (lost = err) });
    assert.ok(lease);
    const expiry = async () => (await db.pool.query<{ t: Date }>("SELECT expires_at AS t FROM sync_leases WHERE connection_id = 'c4'")).rows[0]!.t.getTime();
    const firstExpiry = await expiry();
    await waitFor('the heartbeat to extend the lease', async () => (await expiry()) > firstExpiry);
    await db.pool.query("UPDATE sync_leases SET holder = gen_random_uuid() WHERE connection_id = 'c4'");
    await waitFor('the heartbeat to notice', async () => lost !== null);
    assert.ok(lost instanceof LeaseLostError);
    await lease.release();
  });
});
