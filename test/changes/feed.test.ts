/**
 * The change feed over the real API (buildApi) on a real database: actions and record versions
 * as writers produce them, a long transaction and a rolled-back one, per-record commit order
 * when a transaction took its id before another, resuming after a restart, a connection purge
 * (tombstones only), cursors (empty page, garbage, expired after retention) and the guard that
 * every column of a unified table is either shown or declared not data.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildApi } from '../../src/cli/start.ts';
import { createConnectionConnectors, createSecretBox } from '../../src/connections/index.ts';
import { changeRangesOfTransaction, comparePositions, decodeChangeCursor, isPositionVisible, pruneChanges } from '../../src/changes/index.ts';
import { encodeChangeCursor } from '../../src/changes/changeCursor.ts';
import type { Queryable } from '../../src/db/index.ts';
import type { App } from '../../src/http/index.ts';
import { dataColumns, DATA_TABLES, type IngestDeps } from '../../src/ingest/index.ts';
import { emptyBatch, upsertUnified, type Scoped } from '../../src/ingest/upsertUnified.ts';
import type { PaymentRow } from '../../src/connectors/index.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import { sandboxAccountCredentials } from '../../src/sandbox/index.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { startSandboxDeps } from '../ingest/fixtures/sandboxDeps.ts';
import { waitFor } from '../helpers/waitFor.ts';

const KEYS = { API_KEY: 'changes-feed-api-key-0123456789ab', ADMIN_API_KEY: 'changes-feed-admin-key-0123456789' };
const SECRET_KEY = Buffer.alloc(32, 0x24);

type Change = { action: string; table: string; record: Record<string, unknown>; changedAt: string };

describe('the change feed (GET /changes)', () => {
  const db = useTestDb();
  let sandbox: Sandbox;
  let deps: IngestDeps;
  let app: App;
  let key = 0;
  const api = { 'x-api-key': KEYS.API_KEY };
  const admin = () => ({ 'x-admin-api-key': KEYS.ADMIN_API_KEY, 'idempotency-key': `feed-${++key}` });

  let version = 0;
  const pay = (externalId: string, over: Partial<Scoped<PaymentRow>> = {}): Scoped<PaymentRow> => ({
    source: 'stripe', connectionId: 'stripe-default', externalId, kind: 'charge', status: 'COLLECTED', rawStatus: 'succeeded', amountCents: '100', refundedCents: '0',
    currency: 'USD', occurredAt: '2026-01-01T00:00:00.000Z', customerRef: null, parentExternalId: null, sourceUpdatedAt: null, deleted: false, deletedAt: null,
    sourceVersion: `v${String(++version).padStart(8, '0')}`, ...over,
  } as Scoped<PaymentRow>);
  const write = (on: Queryable, rows: Array<Scoped<PaymentRow>>) => upsertUnified(on, { ...emptyBatch(), payments: rows });

  async function page(query: string): Promise<{ changes: Change[]; nextCursor: string }> {
    const res = await app.inject({ method: 'GET', url: `/changes?${query}`, headers: api });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  }
  async function head(): Promise<string> {
    const res = await app.inject({ method: 'GET', url: '/changes/head', headers: api });
    assert.equal(res.statusCode, 200, res.body);
    return res.json().cursor;
  }
  /** Follow the feed from `cursor` to its current end. */
  async function follow(cursor: string, query = 'table=payments', limit = 2): Promise<{ changes: Change[]; cursor: string }> {
    const changes: Change[] = [];
    for (;;) {
      const p = await page(`${query}&limit=${limit}&after=${cursor}`);
      assert.ok(p.nextCursor, 'nextCursor is always set');
      changes.push(...p.changes);
      cursor = p.nextCursor;
      if (p.changes.length < limit) return { changes, cursor };
    }
  }
  /**
   * Follow until `count` changes came. The horizon is the cluster's: another test file's open
   * transaction holds every database's feed back for a moment, so a commit is waited for, not assumed.
   */
  async function followUntil(cursor: string, count: number, query = 'table=payments'): Promise<{ changes: Change[]; cursor: string }> {
    const changes: Change[] = [];
    const deadline = Date.now() + 30_000;
    for (;;) {
      const next = await follow(cursor, query);
      changes.push(...next.changes);
      cursor = next.cursor;
      if (changes.length >= count) return { changes, cursor };
      if (Date.now() > deadline) assert.fail(`only ${changes.length} of ${count} changes came: ${JSON.stringify(changes)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const seen = (changes: Change[]) => changes.map((c) => [c.action, c.record.externalId, c.record.amountCents]);

  before(async () => {
    ({ sandbox, deps } = await startSandboxDeps(db.pool, ['stripe'], { env: { SANDBOX_STRIPE_ACCOUNTS: '2', SANDBOX_STRIPE_RECORDS: '3' }, configEnv: { ...KEYS, BUFFALO_SECRET_KEY: SECRET_KEY.toString('hex') } }));
    db.closeLater(sandbox);
    deps = { ...deps, connections: createConnectionConnectors({ pool: db.pool, box: createSecretBox(SECRET_KEY), config: deps.config, logger: deps.logger }) };
    app = db.closeLater(await buildApi(deps));
    await app.ready();
  });

  it('ADDED, UPDATED per data change (none for a version-only write), DELETED by a sweep, ADDED when restored; the record is the data endpoint\'s row', async () => {
    const from = await head();
    await write(db.pool, [pay('ch_a')]);
    await write(db.pool, [pay('ch_a')]); // same data, newer version: no change
    await write(db.pool, [pay('ch_a', { amountCents: '250' })]);
    await upsertUnified(db.pool, { ...emptyBatch(), deletions: [{ table: 'payments', source: 'stripe', connectionId: 'stripe-default', externalId: 'ch_a', deletedAt: null, sourceVersion: `v${String(++version).padStart(8, '0')}` }] });
    await write(db.pool, [pay('ch_a', { amountCents: '250' })]); // back upstream
    const { changes } = await followUntil(from, 4);
    assert.deepEqual(seen(changes), [['ADDED', 'ch_a', '100'], ['UPDATED', 'ch_a', '250'], ['DELETED', 'ch_a', '250'], ['ADDED', 'ch_a', '250']]);
    assert.ok(changes[2]!.record.deletedAt, 'the DELETED version shows deletedAt');
    assert.equal(changes[3]!.record.deletedAt, null);
    const data = await app.inject({ method: 'GET', url: '/payments?limit=500', headers: api });
    const row = (data.json().data as Array<Record<string, unknown>>).find((r) => r.externalId === 'ch_a');
    assert.deepEqual(changes[3]!.record, row, 'the latest change carries exactly the data endpoint row');
    assert.ok(changes.every((c) => c.table === 'payments' && !Number.isNaN(Date.parse(c.changedAt))));
  });

  it('a long transaction\'s change appears once it commits, never before, never skipped; a rolled-back write never appears', async () => {
    let cursor = await head();
    const long = await db.pool.connect();
    try {
      await long.query('BEGIN');
      await write(long, [pay('ch_long')]);
      await write(db.pool, [pay('ch_quick')]); // commits while the long one is open
      const during = await follow(cursor);
      assert.deepEqual(seen(during.changes), [], 'nothing at or after the open transaction is returned yet');
      cursor = during.cursor;
      await long.query('COMMIT');
    } finally {
      long.release();
    }
    const afterCommit = await followUntil(cursor, 2);
    assert.deepEqual(afterCommit.changes.map((c) => c.record.externalId).sort(), ['ch_long', 'ch_quick'], 'both, once each, after the commit');

    const doomed = await db.pool.connect();
    try {
      await doomed.query('BEGIN');
      await write(doomed, [pay('ch_rolled_back')]);
      await write(db.pool, [pay('ch_kept')]);
      await doomed.query('ROLLBACK');
    } finally {
      doomed.release();
    }
    // Once ch_kept is readable, everything before it is final: the rolled-back write would be there.
    const later = await followUntil(afterCommit.cursor, 1);
    assert.deepEqual(seen(later.changes), [['ADDED', 'ch_kept', '100']]);
  });

  it('per-record commit order: B took its transaction id before A, A changes R and commits, then B changes R: A\'s version comes first', async () => {
    // From a head taken before R exists, so R's whole history is after it whatever other
    // transactions of the cluster hold the horizon back.
    const from = await head();
    await write(db.pool, [pay('ch_r', { amountCents: '1' })]);
    const a = await db.pool.connect();
    const b = await db.pool.connect();
    try {
      await b.query('BEGIN');
      const bXid = (await b.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x')).rows[0]!.x;
      await a.query('BEGIN');
      await write(a, [pay('ch_r', { amountCents: '2' })]);
      const aXid = (await a.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x')).rows[0]!.x;
      await a.query('COMMIT');
      await write(b, [pay('ch_r', { amountCents: '3' })]);
      await b.query('COMMIT');
      assert.ok(BigInt(bXid) < BigInt(aXid), 'B holds the older transaction id');
    } finally {
      a.release();
      b.release();
    }
    const ofR: Change[] = [];
    let cursor = from;
    await waitFor('R\'s three versions in the feed', async () => {
      const next = await follow(cursor);
      cursor = next.cursor;
      ofR.push(...next.changes.filter((c) => c.record.externalId === 'ch_r'));
      return ofR.length >= 3;
    }, { timeoutMs: 30_000 });
    assert.deepEqual(seen(ofR), [['ADDED', 'ch_r', '1'], ['UPDATED', 'ch_r', '2'], ['UPDATED', 'ch_r', '3']], 'applied in feed order, the consumer ends with B\'s (the committed last) version');
  });

  it('a consumer resumes from its stored cursor after the API restarts and misses nothing', async () => {
    const from = await head();
    await write(db.pool, ['ch_r1', 'ch_r2', 'ch_r3'].map((id) => pay(id)));
    const first = await waitFor('the first change', async () => {
      const p = await page(`table=payments&limit=1&after=${from}`);
      return p.changes.length === 1 ? p : null;
    });
    await app.close();
    app = await buildApi(deps);
    await app.ready();
    await write(db.pool, [pay('ch_r4')]);
    const rest = await followUntil(first.nextCursor, 3);
    assert.deepEqual([...first.changes, ...rest.changes].map((c) => c.record.externalId), ['ch_r1', 'ch_r2', 'ch_r3', 'ch_r4']);
  });

  it('filters: source and connectionId; a filtered consumer\'s cursor still moves past rows it does not want; an empty page returns a cursor', async () => {
    const from = await head();
    await write(db.pool, [pay('ch_other', { connectionId: 'stripe-other' })]);
    // Once the other connection's change is readable, a filtered consumer's cursor lies past it.
    await followUntil(from, 1, 'table=payments&connectionId=stripe-other');
    const mine = await follow(from, 'table=payments&connectionId=stripe-default&source=stripe');
    assert.deepEqual(mine.changes, []);
    const passed = await page(`table=payments&connectionId=stripe-other&after=${mine.cursor}`);
    assert.deepEqual(passed.changes, [], 'the cursor moved past the other connection\'s change');
    const empty = await page(`table=payments&after=${mine.cursor}`);
    assert.deepEqual(empty.changes, []);
    assert.ok(comparePositions(decodeChangeCursor(empty.nextCursor), decodeChangeCursor(mine.cursor)) >= 0, 'an empty page gives back a cursor to resume from, never an earlier one');
    const contacts = await page('table=contacts');
    assert.deepEqual(contacts.changes, []);
    assert.ok(contacts.nextCursor);
  });

  it('changeRangesOfTransaction: a writer learns the range its own transaction produced per table and connection; isPositionVisible tells when readers return it', async () => {
    const tx = await db.pool.connect();
    let ranges;
    try {
      await tx.query('BEGIN');
      assert.deepEqual(await changeRangesOfTransaction(tx), [], 'nothing written yet');
      await write(tx, [pay('ch_w1'), pay('ch_w2'), pay('ch_w3', { connectionId: 'stripe-w' })]);
      ranges = await changeRangesOfTransaction(tx);
      assert.deepEqual(ranges.map((r) => [r.table, r.connectionId, r.count]), [['payments', 'stripe-default', 2], ['payments', 'stripe-w', 1]]);
      assert.equal(await isPositionVisible(db.pool, ranges[0]!.last), false, 'not before commit');
      await tx.query('COMMIT');
    } finally {
      tx.release();
    }
    const [mine, other] = ranges;
    await waitFor('the committed range to become readable', () => isPositionVisible(db.pool, mine!.last));
    const p = await page(`table=payments&connectionId=stripe-default&limit=2&after=${mine!.after}`);
    assert.deepEqual(p.changes.map((c) => c.record.externalId), ['ch_w1', 'ch_w2']);
    assert.equal(p.nextCursor, mine!.last);
    const q = await page(`table=payments&connectionId=stripe-w&limit=1&after=${other!.after}`);
    assert.deepEqual(q.changes.map((c) => c.record.externalId), ['ch_w3']);
  });

  it('a purge leaves only DELETED tombstones carrying the identity fields of the purged connection\'s records', async () => {
    const created = await app.inject({ method: 'POST', url: '/connections', headers: admin(), payload: { provider: 'stripe', name: 'to purge', credentials: { apiKey: sandboxAccountCredentials('stripe', 2).apiKey } } });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id as string;
    const from = await head();
    await write(db.pool, [pay('ch_p1', { connectionId: id }), pay('ch_p2', { connectionId: id })]);
    await write(db.pool, [pay('ch_p1', { connectionId: id, amountCents: '999' })]);
    const purged = await app.inject({ method: 'DELETE', url: `/connections/${id}?purge=true`, headers: admin() });
    assert.equal(purged.statusCode, 204, purged.body);
    const { changes } = await followUntil(from, 2, `table=payments&connectionId=${id}`);
    assert.deepEqual(changes.map((c) => [c.action, c.record.externalId]).sort(), [['DELETED', 'ch_p1'], ['DELETED', 'ch_p2']]);
    for (const c of changes) assert.deepEqual(Object.keys(c.record).sort(), ['connectionId', 'externalId', 'id', 'source'], 'no data field survives');
    const kept = await db.pool.query<{ dump: string }>('SELECT record::text AS dump FROM changes WHERE connection_id = $1', [id]);
    assert.equal(kept.rows.length, 2, 'the earlier versions are gone from the feed');
    assert.ok(kept.rows.every((r) => !r.dump.includes('999')));
  });

  it('every column of a unified table is shown by its data endpoint or declared not data', async () => {
    const { rows } = await db.pool.query<{ table_name: string; column_name: string }>(
      'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY($1)', [DATA_TABLES]);
    const hidden = (await db.pool.query<{ h: string[] }>('SELECT buffalo_changes_hidden() AS h')).rows[0]!.h;
    for (const table of DATA_TABLES) {
      const shown = new Set([...dataColumns(table), 'id', 'created_at', ...hidden]);
      const columns = rows.filter((r) => r.table_name === table).map((r) => r.column_name);
      assert.deepEqual(columns.filter((c) => !shown.has(c)), [], `${table}: a new column must be shown or added to buffalo_changes_hidden()`);
    }
  });

  it('cursors: garbage → 400 naming after; pruned history → 410 cursor_expired with the re-snapshot steps (with and without after)', async () => {
    for (const bad of ['garbage', Buffer.from('v1:1:x').toString('base64url'), Buffer.from('v2:1:1').toString('base64url')]) {
      const res = await app.inject({ method: 'GET', url: `/changes?table=payments&after=${bad}`, headers: api });
      assert.equal(res.statusCode, 400, bad);
      assert.equal(res.json().error, 'invalid_cursor');
      assert.equal(res.json().field, 'after');
    }
    const missingTable = await app.inject({ method: 'GET', url: '/changes', headers: api });
    assert.equal(missingTable.statusCode, 400);
    assert.equal((await app.inject({ method: 'GET', url: '/changes?table=payments' })).statusCode, 401);

    const old = await page('table=payments&limit=1');
    assert.equal(old.changes.length, 1, 'without after, the feed starts at its beginning');
    const pruned = await pruneChanges(db.pool, new Date(Date.now() + 60_000));
    assert.ok(pruned > 0);
    for (const url of [`/changes?table=payments&after=${old.nextCursor}`, '/changes?table=payments']) {
      const res = await app.inject({ method: 'GET', url, headers: api });
      assert.equal(res.statusCode, 410, url);
      assert.equal(res.json().error, 'cursor_expired');
      assert.match(res.json().message, /GET \/changes\/head.*data endpoint.*follow GET \/changes from the head cursor/);
    }
    const from = await head();
    await write(db.pool, [pay('ch_after_prune')]);
    assert.deepEqual(seen((await followUntil(from, 1)).changes), [['ADDED', 'ch_after_prune', '100']], 'the head after a prune is a valid cursor');
  });

  it('a cursor past every position the feed reached is 400 invalid_cursor naming after; the head and a records.changed range past the horizon stay valid', async () => {
    const h = decodeChangeCursor(await head());
    const last = (await db.pool.query<{ last: string | null }>('SELECT max(id)::text AS last FROM changes')).rows[0]!.last;
    const forged = {
      'a transaction id far past the head': encodeChangeCursor({ pos: String(BigInt(h.pos) + 100_000_000n), id: '0' }),
      'a change id never drawn': encodeChangeCursor({ pos: h.pos, id: String(BigInt(last ?? '0') + 1_000_000n) }),
    };
    for (const [what, cursor] of Object.entries(forged)) {
      const res = await app.inject({ method: 'GET', url: `/changes?table=payments&after=${cursor}`, headers: api });
      assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
      assert.equal(res.json().error, 'invalid_cursor', what);
      assert.equal(res.json().field, 'after', what);
      assert.match(res.json().message, /^after: past every position the feed has reached/, what);
    }
    assert.equal((await page(`table=payments&after=${encodeChangeCursor(h)}`)).nextCursor.length > 0, true, 'the head cursor is valid');

    // An older transaction holds the horizon back while a newer one commits a change and takes its
    // range (what records.changed announces): that range lies past the head, and is valid.
    const older = await db.pool.connect();
    try {
      await older.query('BEGIN');
      await older.query('SELECT pg_current_xact_id()');
      const writer = await db.pool.connect();
      let range: { after: string; last: string } | undefined;
      try {
        await writer.query('BEGIN');
        await write(writer, [pay('ch_past_head')]);
        range = (await changeRangesOfTransaction(writer)).find((r) => r.table === 'payments');
        await writer.query('COMMIT');
      } finally {
        writer.release();
      }
      assert.ok(range, 'the writer took a payments range');
      assert.ok(comparePositions(decodeChangeCursor(range.after), decodeChangeCursor(await head())) > 0, 'the range lies past the head');
      for (const cursor of [range.after, range.last]) {
        const early = await page(`table=payments&after=${cursor}`);
        assert.deepEqual(early.changes, [], 'not readable yet: an empty page');
        assert.equal(early.nextCursor, cursor, 'resumes where it was');
      }
      await older.query('COMMIT');
    } finally {
      older.release();
    }
  });
});
