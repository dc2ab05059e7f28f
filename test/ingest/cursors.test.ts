/**
 * Every cursor (and page offset) the API decodes: a forged one — too many digits for a bigint,
 * a timestamp past any row's, garbage, one of another endpoint or other filters — is a 400
 * `invalid_cursor` naming `cursor`, never a 500 from PostgreSQL; a cursor the API issued keeps working.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { ADMIN_HEADERS, API_HEADERS, buildTestApp } from '../helpers/app.ts';
import type { App } from '../../src/http/index.ts';
import { ingestRoutes } from '../../src/ingest/index.ts';
import { encodeKeysetCursor } from '../../src/ingest/keysetCursor.ts';

const forge = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const NOW_US = `${Date.now()}000`;

describe('forged cursors are 400 invalid_cursor', () => {
  const db = useTestDb({ poolMax: 4 });
  let app: App;
  before(async () => {
    app = db.closeLater(await buildTestApp(db.pool));
    await app.register(ingestRoutes, { pool: db.pool });
    await app.ready();
    await db.pool.query(
      `INSERT INTO payments (source, connection_id, external_id, kind, status, raw_status, amount_cents, currency, occurred_at)
       SELECT 'stripe', 'stripe-default', 'p' || g, 'charge', 'COLLECTED', 'succeeded', 100, 'USD', now() FROM generate_series(1, 3) g`,
    );
  });

  const get = (url: string, headers: Record<string, string> = API_HEADERS) => app.inject({ method: 'GET', url, headers });
  const assertInvalidCursor = (res: Awaited<ReturnType<typeof get>>, what: string) => {
    assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
    assert.equal(res.json().error, 'invalid_cursor', what);
    assert.equal(res.json().field, 'cursor', what);
    assert.match(res.json().message, /^cursor: /, what);
  };

  it('on every data endpoint: 20-digit numbers, out-of-range values, garbage and the unbound positions of earlier versions', async () => {
    const endpoints = { '/payments': 'payments', '/contacts': 'contacts', '/calendar-events': 'calendar_events', '/campaigns': 'campaigns' };
    for (const [path, table] of Object.entries(endpoints)) {
      // Bound to this endpoint and its (absent) filters, so only the position is wrong.
      const at = (updatedAtUs: string, id: string) => encodeKeysetCursor({ table, includeDeleted: false }, { updatedAtUs, id });
      const forged = {
        '20-digit id': at(NOW_US, '12345678901234567890'),
        '20-digit timestamp': at('12345678901234567890', '1'),
        'id past bigint': at(NOW_US, '9223372036854775808'),
        'timestamp past year 9999': at('9223372036854775807', '1'),
        'negative id': at(NOW_US, '-1'),
        'extra part': forge(`${Buffer.from(at(NOW_US, '1'), 'base64url').toString('utf8')}:2`),
        'not base64 of a position': 'bm9wZQ',
        'an unbound position (0:0)': forge('0:0'),
        'an unbound position of a row': forge(`${NOW_US}:1`),
      };
      for (const [what, cursor] of Object.entries(forged)) assertInvalidCursor(await get(`${path}?cursor=${cursor}`), `${path} ${what}`);
    }
  });

  it('a cursor is bound to the endpoint and the filters that issued it: another endpoint or other filters → 400 naming cursor; the same filters page on', async () => {
    const first = await get('/payments?source=stripe&limit=2');
    assert.equal(first.statusCode, 200, first.body);
    const cursor = first.json().nextCursor as string;
    assert.ok(cursor);
    const elsewhere = await get(`/contacts?source=stripe&limit=2&cursor=${cursor}`);
    assertInvalidCursor(elsewhere, 'another endpoint');
    assert.match(elsewhere.json().message, /issued by the payments listing/);
    for (const other of ['', 'source=hubspot&', 'source=stripe&connectionId=stripe-default&', 'source=stripe&includeDeleted=true&', 'source=stripe&updatedSince=2020-01-01T00:00:00Z&']) {
      const res = await get(`/payments?${other}limit=2&cursor=${cursor}`);
      assertInvalidCursor(res, `filters ${other || 'none'}`);
      assert.match(res.json().message, /other filters/);
    }
    const next = await get(`/payments?source=stripe&includeDeleted=false&limit=5&cursor=${cursor}`);
    assert.equal(next.statusCode, 200, 'the same filters (includeDeleted=false is the default) and another limit page on');
    assert.deepEqual(next.json().data.map((r: { externalId: string }) => r.externalId), ['p3']);
  });

  it('a cursor the API issued still pages', async () => {
    const first = await get('/payments?limit=2');
    assert.equal(first.statusCode, 200);
    const next = await get(`/payments?limit=2&cursor=${first.json().nextCursor}`);
    assert.equal(next.statusCode, 200);
    assert.equal(next.json().data.length, 1);
  });

  it('on GET /dlq (admin): a 20-digit or non-numeric cursor', async () => {
    for (const cursor of ['12345678901234567890', 'abc', '-1']) assertInvalidCursor(await get(`/dlq?cursor=${cursor}`, ADMIN_HEADERS), `dlq ${cursor}`);
    assert.equal((await get('/dlq?cursor=123456789012345678', ADMIN_HEADERS)).statusCode, 200);
  });

  it('GET /runs: a 20-digit offset is a 400 naming offset, not a 500', async () => {
    const res = await get('/runs?offset=12345678901234567890');
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().field, 'offset');
  });
});
