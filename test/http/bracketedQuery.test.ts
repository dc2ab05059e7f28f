import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { API_HEADERS, buildTestApp } from '../helpers/app.ts';
import type { App } from '../../src/http/index.ts';
import { bracketedQueryKey } from '../../src/http/refuseBracketedQuery.ts';
import { revenueRoutes } from '../../src/revenue/index.ts';
import { ingestRoutes } from '../../src/ingest/index.ts';

describe('a declared query parameter written with a bracket suffix is refused, not ignored', () => {
  const db = useTestDb();
  let app: App;
  before(async () => {
    app = db.closeLater(await buildTestApp(db.pool));
    await app.register(revenueRoutes, { pool: db.pool });
    await app.register(ingestRoutes, { pool: db.pool });
    await app.ready();
  });
  const get = (url: string, headers: Record<string, string> = API_HEADERS) => app.inject({ method: 'GET', url, headers });

  it('GET /metrics/revenue/summary?startDate[]=x (and startDate[a]=x) is 400 naming startDate, where it answered all-time totals', async () => {
    for (const query of ['startDate[]=x', 'startDate[a]=x', 'startDate%5B%5D=2026-01-01', 'currency=USD&endDate[0]=2026-01-01']) {
      const res = await get(`/metrics/revenue/summary?${query}`);
      assert.equal(res.statusCode, 400, query);
      const field = query.includes('endDate') ? 'endDate' : 'startDate';
      assert.deepEqual({ ...(res.json() as object), message: undefined }, { error: 'validation_failed', message: undefined, field, in: 'querystring' }, query);
      assert.match(res.json().message, new RegExp(`^${field}: give it once as ${field}=value`));
    }
  });

  it('GET /payments?source[]=stripe and GET /runs?status[]=failed are 400 naming the parameter', async () => {
    const payments = await get('/payments?source[]=stripe');
    assert.equal(payments.statusCode, 400);
    assert.equal(payments.json().field, 'source');
    const runs = await get('/runs?status[]=failed');
    assert.equal(runs.statusCode, 400);
    assert.equal(runs.json().field, 'status');
  });

  it('authentication still comes first, and extra keys that name no parameter stay harmless', async () => {
    assert.equal((await get('/metrics/revenue/summary?startDate[]=x', {})).statusCode, 401);
    const extra = await get('/metrics/revenue/summary?utm_source=mail&tags[]=a&startDate=2026-01-01');
    assert.equal(extra.statusCode, 200, extra.body);
    assert.equal(extra.json().startDate, '2026-01-01');
  });

  it('bracketedQueryKey names the first declared parameter written with a bracket, and only those', () => {
    const declared = new Set(['startDate', 'endDate', 'weird[key]']);
    assert.deepEqual(bracketedQueryKey({ 'startDate[]': 'x' }, declared), { key: 'startDate[]', parameter: 'startDate' });
    assert.equal(bracketedQueryKey({ 'weird[key]': 'x', 'other[]': 'y', '[]': 'z', startDate: 'x' }, declared), undefined);
  });
});
